import { SINGLE_LIST_PARTITION, itemKeys, routes, type RouteName, type User } from "@users-api/core";

/**
 * Capacity units one request of each route consumes, worked out from what the
 * repository and the create handler send to DynamoDB (see `tools/capacity/autoscaling.md`
 * for the rules and the AWS pages they come from).
 */

/** The four provisioned dimensions of the users table. */
export const dimensions = ["tableRead", "tableWrite", "indexRead", "indexWrite"] as const;
export type Dimension = (typeof dimensions)[number];
export type DimensionCost = Readonly<Record<Dimension, number>>;

export const dimensionLabels: Readonly<Record<Dimension, string>> = {
  tableRead: "Table reads (RCU)",
  tableWrite: "Table writes (WCU)",
  indexRead: "Index byCreatedAt reads (RCU)",
  indexWrite: "Index byCreatedAt writes (WCU)",
};

const KB = 1024;
const READ_UNIT_BYTES = 4 * KB;
const WRITE_UNIT_BYTES = KB;

/** Size of a number attribute value: about one byte per two significant digits, plus one. */
const numberSize = (value: number) => {
  const digits = String(Math.abs(value))
    .replace(/[.\-e+]/g, "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
};

/** Size of an attribute value as DynamoDB counts it (UTF-8 strings, numbers, booleans, maps, lists). */
function valueSize(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number") return numberSize(value);
  if (typeof value === "boolean" || value === null || value === undefined) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + valueSize(element) + 1, 0);
  if (typeof value === "object") return 3 + itemSizeBytes(value as Record<string, unknown>) + Object.keys(value).length;
  throw new Error(`No DynamoDB size for a ${typeof value}.`);
}

/** Size of an item: the UTF-8 length of every attribute name plus the size of its value. */
export function itemSizeBytes(item: Readonly<Record<string, unknown>>): number {
  return Object.entries(item)
    .filter(([, value]) => value !== undefined)
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name, "utf8") + valueSize(value), 0);
}

/** Item sizes the costs depend on. */
export interface ItemSizes {
  /** A user item (also its copy in the index, which projects all attributes). */
  readonly userBytes: number;
  /** The email guard item. */
  readonly emailGuardBytes: number;
  /** A Powertools idempotency record, with the saved 201 response. */
  readonly idempotencyRecordBytes: number;
}

/** What the requests look like, beyond item sizes. */
export interface RequestShape {
  readonly sizes: ItemSizes;
  /** Users per page of GET /users. */
  readonly pageSize: number;
  /** Share of POST /users carrying an `Idempotency-Key` (two more writes each). */
  readonly idempotencyKeyShare: number;
  /** Share of PUT/PATCH that change the email (a three-item transaction instead of one put). */
  readonly emailChangeShare: number;
  /**
   * Whether the index copy of an item written in a transaction is billed at the transactional rate
   * (2 WCU per KB), as DynamoDB Local reports it (`pnpm bench`); AWS does not document it. On: the higher bill.
   */
  readonly transactionalIndexWrites: boolean;
}

/** A typical user: a short name, a phone number and a few attributes. */
export const sampleUser: User = {
  userId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  email: "ada.lovelace@example.com",
  name: "Ada Lovelace",
  phone: "+442071234567",
  attributes: { plan: "pro", marketingOptIn: true, signupSource: "web" },
  createdAt: "2025-01-01T09:30:00.000Z",
  updatedAt: "2025-01-01T09:30:00.000Z",
  version: 3,
};

/** Item sizes of {@link sampleUser}, laid out as the repository stores it. */
export function sampleItemSizes(user: User = sampleUser): ItemSizes {
  const userItem = {
    ...itemKeys.user(user.userId),
    listPk: SINGLE_LIST_PARTITION,
    listSk: itemKeys.listSortKey(user.createdAt, user.userId),
    ...user,
  };
  const guard = { ...itemKeys.emailGuard(user.email), userId: user.userId };
  // Powertools keeps the status, two expiry timestamps, the payload hash and the JSON response.
  const idempotencyRecord = {
    ...itemKeys.idempotencyRecord(`${routes.createUser.id}#${"0".repeat(24)}`),
    status: "COMPLETED",
    expiration: 1_735_725_000,
    in_progress_expiration: 1_735_725_000_000,
    validation: "0".repeat(32),
    data: JSON.stringify({ statusCode: 201, headers: { "content-type": "application/json", etag: '"1"' }, body: JSON.stringify(user) }),
  };
  return {
    userBytes: itemSizeBytes(userItem),
    emailGuardBytes: itemSizeBytes(guard),
    idempotencyRecordBytes: itemSizeBytes(idempotencyRecord),
  };
}

export const defaultRequestShape: RequestShape = {
  sizes: sampleItemSizes(),
  pageSize: 20,
  idempotencyKeyShare: 1,
  emailChangeShare: 0.1,
  transactionalIndexWrites: true,
};

/**
 * The user the benchmarks store (`tools/bench/src/fixtures.ts`): 917 bytes as DynamoDB
 * sizes it, a page of 20 = 2.5 RCU. The cost report and the scale profile use
 * it: the larger user errs towards the higher bill and the hotter partition.
 */
export const benchUser: User = {
  ...sampleUser,
  email: "bench-capacity-0a1b2c-1@example.com",
  name: "Bench User 1",
  phone: "+4915112345678",
  attributes: { plan: "pro", seats: 3, trial: false, bio: "b".repeat(560) },
};

export const benchRequestShape: RequestShape = { ...defaultRequestShape, sizes: sampleItemSizes(benchUser) };

const writeUnits = (bytes: number) => Math.ceil(bytes / WRITE_UNIT_BYTES);
const strongReadUnits = (bytes: number) => Math.ceil(bytes / READ_UNIT_BYTES);
/** Eventually consistent reads (the only kind a global secondary index serves) cost half. */
const eventualReadUnits = (bytes: number) => Math.ceil(bytes / READ_UNIT_BYTES) / 2;
/** Each item in a transaction is written twice: prepare and commit. */
const transactionalWriteUnits = (bytes: number) => 2 * writeUnits(bytes);

const zero: DimensionCost = { tableRead: 0, tableWrite: 0, indexRead: 0, indexWrite: 0 };

/** Capacity units one request of each route consumes on each dimension (averaged where a share applies). */
export function costPerRequest(shape: RequestShape = defaultRequestShape): Readonly<Record<RouteName, DimensionCost>> {
  const { userBytes, emailGuardBytes, idempotencyRecordBytes } = shape.sizes;
  const readUser = strongReadUnits(userBytes);
  // A user item change rewrites its index copy (the index keys never change, so one write, not a delete and a put).
  const indexWrite = writeUnits(userBytes);
  const indexWriteInTransaction = shape.transactionalIndexWrites ? transactionalWriteUnits(userBytes) : indexWrite;
  const samePutWrites = writeUnits(userBytes);
  const emailChangeWrites = transactionalWriteUnits(userBytes) + 2 * transactionalWriteUnits(emailGuardBytes);
  const updateWrites = (1 - shape.emailChangeShare) * samePutWrites + shape.emailChangeShare * emailChangeWrites;
  const update: DimensionCost = {
    ...zero,
    tableRead: readUser,
    tableWrite: updateWrites,
    indexWrite: (1 - shape.emailChangeShare) * indexWrite + shape.emailChangeShare * indexWriteInTransaction,
  };
  return {
    getUser: { ...zero, tableRead: readUser },
    // A page reads one user more than it returns, to know whether another page follows.
    listUsers: { ...zero, indexRead: eventualReadUnits((shape.pageSize + 1) * userBytes) },
    createUser: {
      ...zero,
      tableWrite:
        transactionalWriteUnits(userBytes) +
        transactionalWriteUnits(emailGuardBytes) +
        // In-progress record (PutItem), then the completed record (UpdateItem).
        shape.idempotencyKeyShare * 2 * writeUnits(idempotencyRecordBytes),
      indexWrite: indexWriteInTransaction,
    },
    replaceUser: update,
    patchUser: update,
    deleteUser: {
      ...zero,
      tableRead: readUser,
      tableWrite: transactionalWriteUnits(userBytes) + transactionalWriteUnits(emailGuardBytes),
      indexWrite: indexWriteInTransaction,
    },
  };
}
