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

/** Key layout of the items that share the table (single-table design). */
export const itemKeys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: "PROFILE" }),
  emailGuard: (email: string) => ({ pk: `EMAIL#${email}`, sk: "GUARD" }),
  /** Every user shares one list partition so a page is one Query, newest first. */
  listPartition: "USERS",
  listSortKey: (createdAt: string, userId: string) => `${createdAt}#${userId}`,
  idempotencyPartition: (functionName: string) => `IDEMPOTENCY#${functionName}`,
} as const;
