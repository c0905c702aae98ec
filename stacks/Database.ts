import { usersTable } from "../packages/core/src/user/table.js";
import { Table, type StackContext } from "sst/constructs";

/** The users table, declared from the one table definition the repository and local runner also read. */
export function Database({ stack }: StackContext) {
  const { partitionKey, sortKey } = usersTable.primaryIndex;
  const table = new Table(stack, usersTable.id, {
    fields: usersTable.fields,
    primaryIndex: { partitionKey, sortKey },
    globalIndexes: usersTable.globalIndexes,
    timeToLiveAttribute: usersTable.timeToLiveAttribute,
  });
  return { table };
}
