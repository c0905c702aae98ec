import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  createUser,
  deleteUser,
  getUser,
  itemKeys,
  listUsersNewestFirst,
  patchUser,
  replaceUser,
  userLimits,
  type RouteName,
  usersTable,
  type UserStore,
} from "@users-api/core";
import { clientsFor, type LocalStage } from "@users-api/emulators/stage";
import { theoreticalCapacity } from "@users-api/capacity/cost/traffic";
import { benchUsers, itemSizeBytes } from "./fixtures.js";
import { formatTable, ms } from "./format.js";
import { userStoreOf } from "./local-stage.js";

/** Capacity units DynamoDB reported, split by where they were spent. */
export interface Units {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly tableUnits: number;
  readonly indexUnits: number;
  /** The commands that consumed them, in order. */
  readonly commands: readonly string[];
}

export interface RouteCapacity {
  readonly measured: Units;
  readonly theoretical: { readonly readUnits: number; readonly writeUnits: number };
  /** Every repetition reported the same units. */
  readonly stable: boolean;
}

/** One plain item written and read back, against DynamoDB's published unit sizes. */
export interface Calibration {
  readonly itemBytes: number;
  readonly put: { readonly measured: number; readonly documented: number };
  readonly strongGet: { readonly measured: number; readonly documented: number };
  readonly eventualGet: { readonly measured: number; readonly documented: number };
}

export interface CapacityResults {
  /** Bytes of a stored benchmark user and of its email guard, as DynamoDB sizes items. */
  readonly itemSizeBytes: { readonly user: number; readonly emailGuard: number };
  readonly repetitions: number;
  readonly routes: Record<RouteName, RouteCapacity>;
  /** Does DynamoDB Local size items and round units as DynamoDB documents it? */
  readonly calibration: readonly Calibration[];
}

const READ_COMMAND = /^(Get|BatchGet|TransactGet|Query|Scan)/;

const sum = (values: readonly (number | undefined)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0);

/**
 * Adds `ReturnConsumedCapacity: "INDEXES"` to every command the store's
 * client sends and adds up what the responses report, without touching the
 * repository: a middleware on the client (the document client shares its stack).
 */
function meterCapacity(store: UserStore) {
  let spent: { command: string; capacity: ConsumedCapacity }[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const result = await next({ ...args, input: { ...input, ReturnConsumedCapacity: "INDEXES" } as typeof args.input });
      const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      for (const capacity of [reported ?? []].flat()) spent.push({ command: context.commandName ?? "unknown", capacity });
      return result;
    },
    { step: "initialize", name: "returnConsumedCapacity" },
  );
  return {
    reset: () => {
      spent = [];
    },
    units: (): Units => {
      const unitsOf = (read: boolean) => sum(spent.filter(({ command }) => READ_COMMAND.test(command) === read).map(({ capacity }) => capacity.CapacityUnits));
      return {
        readUnits: ms(unitsOf(true)),
        writeUnits: ms(unitsOf(false)),
        tableUnits: ms(sum(spent.map(({ capacity }) => capacity.Table?.CapacityUnits))),
        indexUnits: ms(sum(spent.flatMap(({ capacity }) => Object.values(capacity.GlobalSecondaryIndexes ?? {}).map((index) => index.CapacityUnits)))),
        commands: spent.map(({ command }) => command),
      };
    },
  };
}

/** Sizes of stored items, read back raw (not through the document client). */
async function storedItemSizes(stage: LocalStage, tableName: string, keys: readonly Record<string, string>[]): Promise<number[]> {
  const { dynamoDb, secretsManager, ssm } = clientsFor(stage.endpoints);
  secretsManager.destroy();
  ssm.destroy();
  const sizeOf = async (key: Record<string, string>) => {
    const Key = Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }]));
    const { Item } = await dynamoDb.send(new GetItemCommand({ TableName: tableName, Key }));
    if (!Item) throw new Error(`No item ${JSON.stringify(key)}`);
    return itemSizeBytes(Item);
  };
  try {
    return await Promise.all(keys.map(sizeOf));
  } finally {
    dynamoDb.destroy();
  }
}

/** Payloads that land below, between and above DynamoDB's 1 KB write and 4 KB read units. */
const CALIBRATION_PAYLOADS = [800, 1500, 5000];

/**
 * Writes plain items of a few sizes (outside the users' key space and the
 * index) and reads them back both ways: 1 WCU per 1 KB written, 1 RCU per
 * 4 KB read strongly consistent, half of it eventually consistent.
 */
async function calibrate(store: UserStore, meter: ReturnType<typeof meterCapacity>, stage: LocalStage): Promise<Calibration[]> {
  const { partitionKey, sortKey } = usersTable.primaryIndex;
  const calibration: Calibration[] = [];
  for (const payload of CALIBRATION_PAYLOADS) {
    const key = { [partitionKey]: `BENCH#calibration-${payload}`, [sortKey]: "CALIBRATION" };
    const spent = async (command: () => Promise<unknown>) => {
      meter.reset();
      await command();
      const units = meter.units();
      return units.readUnits + units.writeUnits;
    };
    const put = await spent(() => store.client.send(new PutCommand({ TableName: store.tableName, Item: { ...key, payload: "p".repeat(payload) } })));
    const strongGet = await spent(() => store.client.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true })));
    const eventualGet = await spent(() => store.client.send(new GetCommand({ TableName: store.tableName, Key: key })));
    const [itemBytes] = await storedItemSizes(stage, store.tableName, [key]);
    const readUnits = Math.ceil(itemBytes! / 4096);
    calibration.push({
      itemBytes: itemBytes!,
      put: { measured: put, documented: Math.ceil(itemBytes! / 1024) },
      strongGet: { measured: strongGet, documented: readUnits },
      eventualGet: { measured: eventualGet, documented: readUnits / 2 },
    });
  }
  return calibration;
}

/**
 * Runs each route's repository operation against DynamoDB Local with ~1 KB
 * users and a full page, and compares the consumed capacity DynamoDB
 * reports with the least the operation can cost (`theoreticalCapacity`).
 */
export async function measureCapacity(options: { readonly stage: LocalStage; readonly repetitions: number }): Promise<CapacityResults> {
  const { repetitions } = options;
  const store = userStoreOf(options.stage);
  const newUser = benchUsers("capacity");
  try {
    const pageSize = userLimits.pageSizeDefault;
    const seeded = [];
    for (let i = 0; i < pageSize + 2 * repetitions; i++) seeded.push(await createUser(store, newUser()));
    const [first] = seeded;
    const doomed = seeded.slice(pageSize);

    const operations: Record<RouteName, (i: number) => Promise<unknown>> = {
      createUser: () => createUser(store, newUser()),
      getUser: () => getUser(store, first!.userId),
      listUsers: () => listUsersNewestFirst(store, { limit: pageSize }),
      replaceUser: () => replaceUser(store, first!.userId, { email: first!.email, name: "Replaced", phone: first!.phone, attributes: first!.attributes }),
      patchUser: () => patchUser(store, first!.userId, { name: "Patched" }),
      deleteUser: (i) => deleteUser(store, doomed[i]!.userId),
    };
    const meter = meterCapacity(store);
    const results = {} as Record<RouteName, RouteCapacity>;
    for (const [name, operation] of Object.entries(operations) as [RouteName, (i: number) => Promise<unknown>][]) {
      const runs: Units[] = [];
      for (let i = 0; i < repetitions; i++) {
        meter.reset();
        await operation(i);
        runs.push(meter.units());
      }
      const same = (a: Units, b: Units) => JSON.stringify(a) === JSON.stringify(b);
      results[name] = { measured: runs[0]!, theoretical: theoreticalCapacity[name], stable: runs.every((run) => same(run, runs[0]!)) };
    }

    const calibration = await calibrate(store, meter, options.stage);
    const current = await getUser(store, first!.userId);
    const [user, emailGuard] = await storedItemSizes(options.stage, store.tableName, [itemKeys.user(current.userId), itemKeys.emailGuard(current.email)]);
    return {
      itemSizeBytes: { user: user!, emailGuard: emailGuard! },
      repetitions,
      routes: results,
      calibration,
    };
  } finally {
    store.destroy();
  }
}

function aboveMinimum(measured: Units, theoretical: RouteCapacity["theoretical"]): string {
  const extra = [
    [ms(measured.readUnits - theoretical.readUnits), "RCU"],
    [ms(measured.writeUnits - theoretical.writeUnits), "WCU"],
  ] as const;
  const differing = extra.filter(([units]) => units !== 0).map(([units, kind]) => `${units > 0 ? "+" : ""}${units} ${kind}`);
  return differing.length === 0 ? "-" : differing.join(", ");
}

export function formatCapacity(results: CapacityResults): string {
  const table = formatTable(
    ["route", "DynamoDB commands", "RCU", "WCU", "table", "index", "min RCU", "min WCU", "above min", "stable"],
    (Object.entries(results.routes) as [RouteName, RouteCapacity][]).map(([name, { measured, theoretical, stable }]) => [
      name,
      measured.commands.map((command) => command.replace(/Command$/, "")).join(" + "),
      measured.readUnits,
      measured.writeUnits,
      measured.tableUnits,
      measured.indexUnits,
      theoretical.readUnits,
      theoretical.writeUnits,
      aboveMinimum(measured, theoretical),
      stable ? "yes" : "no",
    ]),
  );
  const calibration = formatTable(
    ["item", "PutItem WCU", "documented", "GetItem strong RCU", "documented", "GetItem eventual RCU", "documented"],
    results.calibration.map(({ itemBytes, put, strongGet, eventualGet }) => [
      `${itemBytes} B`,
      put.measured,
      put.documented,
      strongGet.measured,
      strongGet.documented,
      eventualGet.measured,
      eventualGet.documented,
    ]),
  );
  return [
    `Consumed capacity per request (DynamoDB Local, ReturnConsumedCapacity INDEXES); user item ${results.itemSizeBytes.user} B, email guard ${results.itemSizeBytes.emailGuard} B`,
    table,
    "",
    "Calibration: plain items against DynamoDB's documented units (1 KB per WCU, 4 KB per RCU, eventual reads half)",
    calibration,
  ].join("\n");
}
