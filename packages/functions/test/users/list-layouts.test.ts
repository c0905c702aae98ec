import { randomBytes } from "node:crypto";
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SINGLE_KEY_LAYOUT, createUser, listUsersNewestFirst, type ListLayouts, type User, type UserInput, type UserStore } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor } from "@users-api/emulators/stage";
import { createUsersTable } from "@users-api/emulators/table";
import { allItems, emulatorEndpoints } from "../helpers/local-stage.js";

/**
 * The list index layouts on DynamoDB Local: users written under today's single
 * key and under a sharded layout list together, newest first, and a page
 * costs what the design says, as DynamoDB reports it (ReturnConsumedCapacity).
 */

const shardedSince = "2027-03-01T10:00:00.000Z";
const sinceMs = Date.parse(shardedSince);
const layouts: ListLayouts = [SINGLE_KEY_LAYOUT, { since: shardedSince, shards: 4, slotMs: 100 }];

/** Users of about 917 bytes as stored, the size the benchmarks and `tools/bench/README.md` price a page with. */
function benchSizedUsers() {
  const run = randomBytes(3).toString("hex");
  let sequence = 0;
  return (): UserInput => {
    sequence += 1;
    return {
      email: `layout-${run}-${sequence}@example.com`,
      name: `Layout User ${sequence}`,
      phone: "+4915112345678",
      attributes: { plan: "pro", seats: 3, trial: false, bio: "b".repeat(560) },
    };
  };
}

let store: UserStore & { readUnits(): number; resetUnits(): void };
let dynamoDb: DynamoDBDocumentClient;
const created: User[] = [];
const nextUser = benchSizedUsers();

/** Creates a user as if at `ms` (epoch milliseconds). */
const createAt = async (ms: number) => {
  const user = await createUser(store, nextUser(), new Date(ms));
  created.push(user);
  return user;
};
const newestFirst = () => [...created].sort((a, b) => (a.createdAt === b.createdAt ? (a.userId < b.userId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));

/** Every page, following the cursor from the first one. */
async function allPages(limit: number, now: Date) {
  const pages: User[][] = [];
  let startAfter;
  do {
    const page = await listUsersNewestFirst(store, { limit, startAfter, now });
    pages.push(page.items);
    startAfter = page.nextKey;
  } while (startAfter);
  return pages;
}

beforeAll(async () => {
  const tableName = `test-layouts-${randomBytes(4).toString("hex")}`;
  const clients = clientsFor(emulatorEndpoints());
  await createUsersTable(clients.dynamoDb, tableName);
  dynamoDb = DynamoDBDocumentClient.from(clients.dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  let readUnits = 0;
  dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next({ ...args, input: { ...(args.input as object), ReturnConsumedCapacity: "TOTAL" } as typeof args.input });
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
      if (context.commandName === "QueryCommand") readUnits += consumed?.CapacityUnits ?? 0;
      return result;
    },
    { step: "initialize", name: "meterReads" },
  );
  store = { client: dynamoDb, tableName, listLayouts: layouts, readUnits: () => readUnits, resetUnits: () => (readUnits = 0) };

  // Written before the sharded layout starts: under today's single key.
  for (let i = 0; i < 25; i++) await createAt(sinceMs - 60_000 + i * 1000);
  // A busy second: 50 users, 20 ms apart, 5 to a 100-ms slot.
  for (let i = 0; i < 50; i++) await createAt(sinceMs + i * 20);
  // A quiet spell after it: one user every 2 s, so most slots are empty.
  for (let i = 0; i < 6; i++) await createAt(sinceMs + 5_000 + i * 2000);
});

afterAll(() => dynamoDb.destroy());

describe("listing across list index layouts", () => {
  it("files users by creation time: today's single key before the sharded layout, rotating shard keys after it", async () => {
    const items = await allItems(dynamoDb, store.tableName);
    const keyOf = (user: User) => items.find((item) => item.userId === user.userId && item.sk === "PROFILE")?.listPk;
    expect(new Set(created.slice(0, 25).map(keyOf))).toEqual(new Set(["USERS"]));
    expect(new Set(created.slice(25).map(keyOf))).toEqual(new Set(["USERS#0", "USERS#1", "USERS#2", "USERS#3"]));
  });

  it.each([1, 7, 20, 27, 81])("pages through every user newest first with limit=%i, the last page ending with no cursor", async (limit) => {
    const pages = await allPages(limit, new Date(sinceMs + 20_000));
    expect(pages.flat()).toEqual(newestFirst());
    expect(pages.at(-1)!.length).toBe(created.length - (pages.length - 1) * limit);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
  });

  it("lists the users of the last minutes as well from a clock far past them (empty slots merged, not walked one by one)", async () => {
    store.resetUnits();
    const { items } = await listUsersNewestFirst(store, { limit: 20, now: new Date(sinceMs + 3_600_000) });
    expect(items).toEqual(newestFirst().slice(0, 20));
    // Eight empty slots (0.5 RCU each), then one Query per shard key over the rest of the layout.
    expect(store.readUnits()).toBeLessThanOrEqual(8 * 0.5 + 4 * 2.5);
  });
});

describe("what a page costs (DynamoDB Local's consumed capacity)", () => {
  it("costs 2.5 RCU for 20 users under the single key, as today (tools/bench/README.md)", async () => {
    store.resetUnits();
    const { items } = await listUsersNewestFirst(store, { limit: 20, now: new Date(sinceMs - 1) });
    expect(items).toEqual(
      newestFirst()
        .filter((user) => user.createdAt < shardedSince)
        .slice(0, 20),
    );
    expect(store.readUnits()).toBe(2.5);
  });

  it("costs at most twice that where the sharded layout's slots hold a few users each", async () => {
    store.resetUnits();
    const { items } = await listUsersNewestFirst(store, { limit: 20, now: new Date(sinceMs + 999) });
    expect(items).toEqual(
      newestFirst()
        .filter((user) => Date.parse(user.createdAt) < sinceMs + 1000)
        .slice(0, 20),
    );
    expect(store.readUnits()).toBeLessThanOrEqual(5);
  });
});
