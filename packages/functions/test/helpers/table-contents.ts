import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemKeys } from "@users-api/core";
import { expect } from "vitest";
import { allItems } from "./local-stage.js";

export interface TableContents {
  /** User items, by user id. */
  readonly users: ReadonlyMap<string, Record<string, unknown>>;
  /** Email guard items: the email each holds and the user it names. */
  readonly emailGuards: readonly { readonly email: string; readonly userId: unknown }[];
  readonly idempotencyRecords: readonly Record<string, unknown>[];
}

/** Reads the table directly and sorts its items by kind (user, email guard, idempotency record). */
export async function readTable(client: DynamoDBDocumentClient, tableName: string): Promise<TableContents> {
  const items = await allItems(client, tableName);
  const users = new Map<string, Record<string, unknown>>();
  const emailGuards: { email: string; userId: unknown }[] = [];
  const idempotencyRecords: Record<string, unknown>[] = [];
  const userPrefix = itemKeys.user("").pk;
  const guardPrefix = itemKeys.emailGuard("").pk;
  for (const item of items) {
    const pk = String(item.pk);
    if (pk.startsWith(userPrefix)) users.set(pk.slice(userPrefix.length), item);
    else if (pk.startsWith(guardPrefix)) emailGuards.push({ email: pk.slice(guardPrefix.length), userId: item.userId });
    else if (pk.startsWith(itemKeys.idempotencyPartition(""))) idempotencyRecords.push(item);
    else throw new Error(`unexpected item ${JSON.stringify(item)}`);
  }
  return { users, emailGuards, idempotencyRecords };
}

/**
 * Asserts nothing is half-written: each user has exactly one email guard,
 * holding its email and naming it, and no guard is left without its user.
 */
export function expectEveryEmailGuardedOnce(contents: TableContents) {
  const expected = [...contents.users.values()].map((user) => ({ email: user.email, userId: user.userId }));
  const sortByEmail = <T extends { email: unknown }>(list: readonly T[]) => [...list].sort((a, b) => String(a.email).localeCompare(String(b.email)));
  expect(sortByEmail(contents.emailGuards)).toEqual(sortByEmail(expected));
}
