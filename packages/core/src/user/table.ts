import { SINGLE_LIST_PARTITION } from "./list-layout.js";

/**
 * The one definition of the users table: key attributes, the index used for
 * listing and the TTL attribute. The stack, the local runner and the
 * repository all read it, so a key name is never typed twice.
 */
export const usersTable = {
  /** Construct id of the SST `Table`; also the `Table.<id>` binding name. */
  id: "Users",
  fields: {
    pk: "string",
    sk: "string",
    listPk: "string",
    listSk: "string",
  },
  primaryIndex: { partitionKey: "pk", sortKey: "sk" },
  globalIndexes: {
    /** Sparse index holding only user items, sorted by creation time. */
    byCreatedAt: { partitionKey: "listPk", sortKey: "listSk", projection: "all" },
  },
  /** Epoch-seconds attribute written by Powertools idempotency records. */
  timeToLiveAttribute: "expiration",
} as const;

export type UsersTableIndexName = keyof typeof usersTable.globalIndexes;

/**
 * Key layout of the items that share the table (single-table design). Every
 * item has a partition key of its own, so no key takes more than one user's,
 * one email's or one request's traffic; only the list index groups users
 * (see `list-layout.ts`).
 */
export const itemKeys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: "PROFILE" }),
  emailGuard: (email: string) => ({ pk: `EMAIL#${email}`, sk: "GUARD" }),
  /** The list index key of the single-key layout; sharded layouts use `USERS#<shard>` (`listPartitionFor`). */
  listPartition: SINGLE_LIST_PARTITION,
  /** Sorts users by creation time, then id. */
  listSortKey: (createdAt: string, userId: string) => `${createdAt}#${userId}`,
  /**
   * A Powertools idempotency record, under a key of its own (`<function>#<hash>` is Powertools' idempotency
   * key): one partition per request, where a per-function partition would take every create of the function.
   */
  idempotencyRecord: (idempotencyKey: string) => ({ pk: `IDEMPOTENCY#${idempotencyKey}`, sk: "RECORD" }),
  /** Where records were kept before: one partition per function, the idempotency key as sort key (`pnpm migrate`). */
  idempotencyPartition: (functionName: string) => `IDEMPOTENCY#${functionName}`,
} as const;
