import { SLOTS_BEFORE_MERGE, type RouteName } from "@users-api/core";
import { benchRequestShape, costPerRequest, type RequestShape } from "./consumption.js";

/**
 * Load per partition key at a steady rate, for the table and its index.
 *
 * DynamoDB spreads a table over partitions by the hash of the partition key
 * and adds partitions as capacity grows, but one key's items stay on one
 * partition, and one partition serves at most 3,000 RCU and 1,000 WCU a
 * second (table and index alike). Split for heat may divide a hot key's
 * items by sort key; nothing here relies on it. So the check is per key: the
 * busiest key of each kind must stay under those limits.
 */

export const PARTITION_LIMITS = { readUnitsPerSecond: 3000, writeUnitsPerSecond: 1000 } as const;

/** A steady load and what it is made of: every figure is an assumption, printed with the result. */
export interface ScaleLoad {
  /** Requests a second by route. */
  readonly perSecond: Readonly<Record<RouteName, number>>;
  /** Share of list requests asking for the first page (no cursor). */
  readonly firstPageShare: number;
  /** GetItem reads a second of the most-read single user. */
  readonly hottestUserReadsPerSecond: number;
  /** Updates (PUT/PATCH) a second of the most-written single user. */
  readonly hottestUserWritesPerSecond: number;
  /** Time a ListUsers invocation takes: with the rate, the number of warm environments, each keeping its own first page. */
  readonly listDurationMs: number;
  /** Time an invocation of any route takes: with the rate, the functions' concurrency. */
  readonly durationMs: number;
  /** Share of API requests that invoke the authorizer (API Gateway caches its answer per key for 5 minutes). */
  readonly authorizerShare: number;
}

/** 10,000 user writes and 50,000 reads a second. */
export const scaleLoad: ScaleLoad = {
  perSecond: { createUser: 2000, patchUser: 5000, replaceUser: 2000, deleteUser: 1000, getUser: 45_000, listUsers: 5000 },
  firstPageShare: 0.9,
  hottestUserReadsPerSecond: 500,
  hottestUserWritesPerSecond: 20,
  listDurationMs: 25,
  durationMs: 25,
  authorizerShare: 0.001,
};

/** How the list index is keyed, and how long functions keep the first page (`ListSettings`, as a stage would set it). */
export interface ListingUnderTest {
  readonly label: string;
  readonly shards: number;
  readonly slotMs?: number;
  readonly firstPageCacheMs: number;
}

export interface KeyLoad {
  readonly where: "table" | "index";
  /** The kind of key, e.g. `USER#<id>` (the hottest one). */
  readonly key: string;
  readonly readUnitsPerSecond: number;
  readonly writeUnitsPerSecond: number;
  /** Largest share of a partition limit the key uses (reads or writes). */
  readonly utilization: number;
  readonly note: string;
}

const utilizationOf = (reads: number, writes: number) => Math.max(reads / PARTITION_LIMITS.readUnitsPerSecond, writes / PARTITION_LIMITS.writeUnitsPerSecond);

const key = (where: KeyLoad["where"], name: string, reads: number, writes: number, note: string): KeyLoad => ({
  where,
  key: name,
  readUnitsPerSecond: reads,
  writeUnitsPerSecond: writes,
  utilization: utilizationOf(reads, writes),
  note,
});

/** Share of a second during which one shard key is the current slot's: once per rotation, or slot by slot. */
export function currentSlotShare(shards: number, slotMs: number): number {
  const rotationsPerSecond = Math.ceil(1000 / (shards * slotMs));
  return Math.min(1, (rotationsPerSecond * slotMs) / 1000);
}

/** The busiest key of each kind, table and index, under `load` with `listing`. */
export function keyLoads(load: ScaleLoad, listing: ListingUnderTest, shape: RequestShape = benchRequestShape): KeyLoad[] {
  const costs = costPerRequest(shape);
  const rate = load.perSecond;
  const userBytes = shape.sizes.userBytes;
  const itemWrite = Math.ceil(userBytes / 1024);

  // Index writes: creates go to the current slot's key; updates and deletes to the key of the user's creation slot.
  const createIndexWrites = rate.createUser * costs.createUser.indexWrite;
  const laterIndexWrites =
    rate.patchUser * costs.patchUser.indexWrite + rate.replaceUser * costs.replaceUser.indexWrite + rate.deleteUser * costs.deleteUser.indexWrite;
  const page = costs.listUsers.indexRead;
  // Each warm ListUsers environment reads the first page at most once per cache period (Little's law for the environments).
  const queries = listQueriesPerSecond(load, listing);

  const indexKeys: KeyLoad[] =
    listing.shards === 1
      ? [key("index", "USERS", queries * page, createIndexWrites + laterIndexWrites, "the one list key: every user write, every page")]
      : [
          key(
            "index",
            "USERS#<shard> of the current slot",
            queries * page,
            createIndexWrites * currentSlotShare(listing.shards, listing.slotMs!) + laterIndexWrites / listing.shards,
            `creates during its ${listing.slotMs}-ms slot, 1/${listing.shards} of updates and deletes; every page (worst case: all on it)`,
          ),
        ];

  const recordBytes = shape.sizes.idempotencyRecordBytes;
  return [
    key(
      "table",
      "USER#<id> of the hottest user",
      load.hottestUserReadsPerSecond * costs.getUser.tableRead + load.hottestUserWritesPerSecond * costs.patchUser.tableRead,
      load.hottestUserWritesPerSecond * itemWrite,
      `${load.hottestUserReadsPerSecond} reads and ${load.hottestUserWritesPerSecond} updates a second of one user`,
    ),
    key("table", "EMAIL#<email>", 0, 2 * Math.ceil(shape.sizes.emailGuardBytes / 1024), "one guard per email, written in a transaction when taken or released"),
    key("table", "IDEMPOTENCY#<function>#<hash>", 0, 2 * Math.ceil(recordBytes / 1024), "one record per request: written in progress, then completed"),
    ...indexKeys,
    key(
      "table",
      "IDEMPOTENCY#<function> (the layout before)",
      0,
      rate.createUser * 2 * Math.ceil(recordBytes / 1024),
      "every create's record under one key per function, for comparison",
    ),
  ];
}

/** A quota AWS sets per account and Region (adjustable on request), with what the load needs of it. */
export interface QuotaLoad {
  readonly quota: string;
  readonly defaultValue: number;
  readonly needed: number;
  readonly source: string;
}

/** List queries that reach the index a second: every page but the first pages a warm function still keeps. */
export function listQueriesPerSecond(load: ScaleLoad, listing: ListingUnderTest): number {
  const firstPages = load.perSecond.listUsers * load.firstPageShare;
  const environments = Math.ceil((load.perSecond.listUsers * load.listDurationMs) / 1000);
  const firstPageQueries = listing.firstPageCacheMs > 0 ? Math.min(firstPages, environments * (1000 / listing.firstPageCacheMs)) : firstPages;
  return firstPageQueries + (load.perSecond.listUsers - firstPages);
}

/** Provisioned capacity the load needs at the target utilization, per table and index dimension. */
export function provisionedNeeded(load: ScaleLoad, listing: ListingUnderTest, targetUtilizationPercent: number, shape: RequestShape = benchRequestShape) {
  const costs = costPerRequest(shape);
  const sum = (dimension: keyof (typeof costs)["getUser"]) =>
    (Object.keys(load.perSecond) as RouteName[]).reduce((total, route) => total + load.perSecond[route] * costs[route][dimension], 0);
  const at = (units: number) => Math.ceil(units / (targetUtilizationPercent / 100));
  return {
    tableRead: at(sum("tableRead")),
    tableWrite: at(sum("tableWrite")),
    indexRead: at(listQueriesPerSecond(load, listing) * costs.listUsers.indexRead),
    indexWrite: at(sum("indexWrite")),
  };
}

export function quotaLoads(load: ScaleLoad, listing: ListingUnderTest, targetUtilizationPercent: number): QuotaLoad[] {
  const requests = Object.values(load.perSecond).reduce((total, value) => total + value, 0);
  const provisioned = provisionedNeeded(load, listing, targetUtilizationPercent);
  return [
    {
      quota: "API Gateway requests a second, per account and Region",
      defaultValue: 10_000,
      needed: requests,
      source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    },
    {
      quota: "Lambda concurrent executions, per account and Region",
      defaultValue: 1000,
      needed: Math.ceil((requests * (1 + load.authorizerShare) * load.durationMs) / 1000),
      source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    },
    {
      quota: "DynamoDB read capacity of one table (or index), provisioned",
      defaultValue: 40_000,
      needed: Math.max(provisioned.tableRead, provisioned.indexRead),
      source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
    {
      quota: "DynamoDB write capacity of one table (or index), provisioned",
      defaultValue: 40_000,
      needed: Math.max(provisioned.tableWrite, provisioned.indexWrite),
      source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
    {
      quota: "DynamoDB read capacity of the account, provisioned",
      defaultValue: 80_000,
      needed: provisioned.tableRead + provisioned.indexRead,
      source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
    {
      quota: "DynamoDB write capacity of the account, provisioned",
      defaultValue: 80_000,
      needed: provisioned.tableWrite + provisioned.indexWrite,
      source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    },
  ];
}

/** RCU a page costs at a layout and creation rate: one Query per slot it spans, each rounded up to 4 KB. */
export function pageReadUnits(listing: ListingUnderTest, createsPerSecond: number, pageSize: number, shape: RequestShape = benchRequestShape): number {
  const want = pageSize + 1;
  const perQuery = (items: number) => Math.max(0.5, Math.ceil((items * shape.sizes.userBytes) / 4096) / 2);
  if (listing.shards === 1) return perQuery(want);
  const perSlot = Math.max((createsPerSecond * listing.slotMs!) / 1000, 1e-9);
  // A page starting halfway into a slot, then whole slots back.
  let left = want;
  let units = 0;
  let slot = perSlot / 2;
  for (let queries = 0; left > 0 && queries < SLOTS_BEFORE_MERGE; queries++) {
    const items = Math.min(left, Math.floor(slot));
    units += perQuery(items);
    left -= items;
    slot = perSlot;
  }
  // Then the repository merges the rest of the layout: one Query per shard key, each up to what is left.
  return left > 0 ? units + listing.shards * perQuery(left) : units;
}

export interface ScaleCheck {
  readonly load: ScaleLoad;
  readonly listing: ListingUnderTest;
  readonly keys: readonly KeyLoad[];
  /** The busiest current key: the first per-partition limit this load would meet as it grows. */
  readonly firstLimit: KeyLoad;
  /** Whether every key of the current layouts stays within the partition limits. */
  readonly withinLimits: boolean;
  readonly pageReadUnits: number;
}

/** Checks every key but the "layout before" ones, which are shown for comparison only. */
export function checkScale(load: ScaleLoad, listing: ListingUnderTest, shape: RequestShape = benchRequestShape): ScaleCheck {
  const keys = keyLoads(load, listing, shape);
  const current = keys.filter((entry) => !entry.key.includes("(the layout before)"));
  const firstLimit = current.reduce((busiest, entry) => (entry.utilization > busiest.utilization ? entry : busiest));
  return {
    load,
    listing,
    keys,
    firstLimit,
    withinLimits: current.every((entry) => entry.utilization <= 1),
    pageReadUnits: pageReadUnits(listing, load.perSecond.createUser, 20, shape),
  };
}
