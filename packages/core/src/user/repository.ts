import { createHash, randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Conflict, IdempotencyKeyReused, NotFound, PreconditionFailed, ValidationFailed } from "../errors.js";
import { applyMergePatch } from "./merge-patch.js";
import { PageKey, invalidCursor, parseListSortKey } from "./cursor.js";
import {
  defaultListLayouts,
  instantMs,
  layoutIndexAt,
  listPartitionFor,
  mergeSegments,
  slotSegments,
  type ListLayouts,
  type ListSegment,
} from "./list-layout.js";
import { type AttributeValue, type User, UserInput, type UserPatch } from "./schema.js";
import { itemKeys, usersTable } from "./table.js";
import type { VersionCondition } from "./version.js";

/** Where the repository stores users. */
export interface UserStore {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How the list index keys users by creation time; {@link defaultListLayouts} (one key) when absent. */
  readonly listLayouts?: ListLayouts;
}

/**
 * How many times a write that lost a race is tried again before giving up
 * with 409. Each round of a race has one winner, so N writers of one user
 * need up to N rounds (with 6, some of 10 concurrent PATCHes got 409).
 */
const MAX_ATTEMPTS = 25;
/** How long a client whose write lost every race is told to wait: the writers it lost to are done by then. */
const CONTENTION_RETRY_AFTER_SECONDS = 1;
/** Cap of the backoff, so every attempt fits well inside the function's timeout. */
const MAX_BACKOFF_MS = 100;

type UserItem = Omit<User, "attributes"> &
  ReturnType<typeof itemKeys.user> & {
    listPk: string;
    listSk: string;
    attributes?: ReadonlyMap<string, AttributeValue>;
  };

/**
 * The stored item: the user, its table key and its list index key (by creation time, as the store's layouts say).
 * The SDK tells a plain object by its `constructor.name`, so attributes named `constructor` would not marshal as
 * a map; a `Map` marshals by its entries, whatever the keys, and reads back as a plain object.
 */
const toItem = ({ attributes, ...user }: User, store: UserStore): UserItem => ({
  ...itemKeys.user(user.userId),
  listPk: listPartitionFor(store.listLayouts ?? defaultListLayouts, user.createdAt),
  listSk: itemKeys.listSortKey(user.createdAt, user.userId),
  ...user,
  ...(attributes === undefined ? {} : { attributes: new Map(Object.entries(attributes)) }),
});

const toUser = (item: Record<string, unknown>): User => {
  const { pk: _pk, sk: _sk, listPk: _listPk, listSk: _listSk, ...user } = item;
  return user as User;
};

const emailTaken = (email: string) => new Conflict(`The email address ${email} belongs to another user.`);
const userNotFound = (userId: string) => new NotFound(`No user has the id ${userId}.`);

/** Reasons DynamoDB gave for cancelling a transaction, one per action (`"None"` where it had none). */
const cancellationReasons = (error: unknown): readonly string[] | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None") : undefined;

const isConditionFailure = (error: unknown) => error instanceof Error && error.name === "ConditionalCheckFailedException";

/** Transactions touching the same item at once are cancelled with TransactionConflict; wait and try again. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt)));

/** Creates a user and the guard item that keeps its email unique, in one transaction. */
export async function createUser(store: UserStore, input: UserInput, now = new Date()): Promise<User> {
  return (await createUserWithId(store, randomUUID(), input, now)).user;
}

/**
 * The id a create with an `Idempotency-Key` gives its user: a name-based UUID (RFC 9562 version 8,
 * from SHA-256) of the caller and the key, so a create run again for the same request (its first
 * attempt timed out after its write landed) finds the user it made instead of colliding with it.
 */
export function userIdForIdempotencyKey(caller: string, idempotencyKey: string): string {
  const bytes = createHash("sha256").update(`users-api:create-user\n${caller}\n${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The editable fields as stored (absent optional fields omitted), for comparing a stored user with an input. */
const editableFields = ({ email, name, phone, attributes }: UserInput) => JSON.parse(JSON.stringify({ email, name, phone, attributes })) as unknown;

/**
 * The item a transaction's condition failed on, which DynamoDB returns with the cancellation reason
 * when the action asks for it (`ReturnValuesOnConditionCheckFailure: ALL_OLD`).
 */
const itemThatFailedCondition = (error: unknown, action: number, store: UserStore): Record<string, unknown> | undefined => {
  const item = error instanceof TransactionCanceledException ? error.CancellationReasons?.[action]?.Item : undefined;
  return item && unmarshall(item, store.client.config.translateConfig?.unmarshallOptions);
};

/**
 * Creates a user with a given id. When a user with that id exists already (an earlier run of the same
 * request), it is returned as it is (`created: false`) if it was made from the same input or has been
 * changed since (then its input cannot be compared); a different input is an {@link IdempotencyKeyReused}.
 * The existing user comes with the transaction's cancellation (no GetItem: no read grant, no second
 * round trip, and no race with a delete between the write and a read).
 */
export async function createUserWithId(store: UserStore, userId: string, input: UserInput, now = new Date()): Promise<{ user: User; created: boolean }> {
  const timestamp = now.toISOString();
  const user: User = { userId, ...input, createdAt: timestamp, updatedAt: timestamp, version: 1 };
  for (let attempt = 0; ; attempt++) {
    try {
      await store.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: store.tableName,
                Item: toItem(user, store),
                ConditionExpression: "attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              Put: {
                TableName: store.tableName,
                Item: { ...itemKeys.emailGuard(user.email), userId: user.userId },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
      return { user, created: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      const existingItem = reasons?.[0] === "ConditionalCheckFailed" ? itemThatFailedCondition(error, 0, store) : undefined;
      if (existingItem) {
        const existing = toUser(existingItem);
        if (existing.version === 1 && !isDeepStrictEqual(editableFields(existing), editableFields(input))) {
          throw new IdempotencyKeyReused("This Idempotency-Key was already used with a different body.");
        }
        return { user: existing, created: false };
      }
      if (reasons?.[1] === "ConditionalCheckFailed") throw emailTaken(user.email);
      if (reasons?.includes("TransactionConflict") && attempt < MAX_ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }
}

/** Reads one user with a strongly consistent GetItem; with a `condition` (If-Match), a user at another version is a {@link PreconditionFailed}. */
export async function getUser(store: UserStore, userId: string, condition?: VersionCondition): Promise<User> {
  const { Item } = await store.client.send(new GetCommand({ TableName: store.tableName, Key: itemKeys.user(userId), ConsistentRead: true }));
  if (!Item) throw userNotFound(userId);
  const user = toUser(Item);
  requireVersion(user, condition);
  return user;
}

export interface UserListPage {
  readonly items: User[];
  /** Where the next page starts, or `undefined` on the last page. */
  readonly nextKey: PageKey | undefined;
}

/**
 * Slots of a sharded layout read one by one in a page before the rest of that
 * layout is read as a merge of all its keys: slots then hold too few users
 * for one Query each to pay.
 */
export const SLOTS_BEFORE_MERGE = 8;

type ListItem = Record<string, unknown> & { pk: string; sk: string; listPk: string; listSk: string };

/**
 * The newest users first, a page of `limit` from where `startAfter` (a
 * cursor's key) left off. Reads one more user than the page holds, so the
 * last page, even an exactly full one, has no next key. Walks the list
 * layouts newest first (see `ListLayouts`): one Query per segment, a segment
 * being a whole single-key layout or one slot of a sharded one.
 */
export async function listUsersNewestFirst(store: UserStore, options: { limit: number; startAfter?: PageKey; now?: Date }): Promise<UserListPage> {
  const layouts = store.listLayouts ?? defaultListLayouts;
  // A key the API wrote for a user is filed under the partition its layouts give that user; DynamoDB refuses a start key of another.
  const startCreatedAt = options.startAfter && parseListSortKey(options.startAfter.listSk)?.createdAt;
  if (options.startAfter && (!startCreatedAt || options.startAfter.listPk !== listPartitionFor(layouts, startCreatedAt))) throw invalidCursor();
  const want = options.limit + 1;
  const found: ListItem[] = [];
  const startMs = startCreatedAt ? instantMs(startCreatedAt) : (options.now ?? new Date()).getTime();
  let startKey: PageKey | undefined = options.startAfter;
  const firstLayout = layoutIndexAt(layouts, startMs);

  for (let layoutIndex = firstLayout; layoutIndex >= 0 && found.length < want; layoutIndex--) {
    const sharded = layouts[layoutIndex]!.shards > 1;
    const beforeMs = layoutIndex === firstLayout ? startMs : instantMs(layouts[layoutIndex + 1]!.since);
    let slotsRead = 0;
    let mergeBeforeMs: number | undefined;
    for (const segment of slotSegments(layouts, layoutIndex, beforeMs)) {
      if (sharded && slotsRead === SLOTS_BEFORE_MERGE) {
        // Everything before the last slot read: users of this slot and older ones.
        mergeBeforeMs = instantMs(segment.to);
        break;
      }
      found.push(...(await querySegment(store, segment, want - found.length, startKey)));
      startKey = undefined;
      slotsRead++;
      if (found.length >= want) break;
    }
    if (mergeBeforeMs !== undefined && found.length < want) {
      found.push(...(await mergeLayout(store, mergeSegments(layouts, layoutIndex, mergeBeforeMs), want - found.length)));
    }
  }
  const page = found.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map(toUser),
    nextKey: found.length > options.limit && last ? PageKey.parse({ pk: last.pk, sk: last.sk, listPk: last.listPk, listSk: last.listSk }) : undefined,
  };
}

/** Up to `limit` users of one segment, newest first (several Queries only if DynamoDB stops at 1 MB). */
async function querySegment(store: UserStore, segment: ListSegment, limit: number, startKey?: PageKey): Promise<ListItem[]> {
  const index = usersTable.globalIndexes.byCreatedAt;
  const items: ListItem[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined = startKey;
  do {
    const { Items = [], LastEvaluatedKey } = await store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        IndexName: "byCreatedAt",
        KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
        ExpressionAttributeNames: { "#pk": index.partitionKey, "#sk": index.sortKey },
        ExpressionAttributeValues: { ":pk": segment.listPk, ":from": segment.from, ":to": segment.to },
        ScanIndexForward: false,
        Limit: limit - items.length,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    items.push(...(Items as ListItem[]));
    exclusiveStartKey = LastEvaluatedKey;
  } while (exclusiveStartKey && items.length < limit);
  return items;
}

/** The newest `limit` users of several keys: each key's newest `limit`, merged. */
async function mergeLayout(store: UserStore, segments: readonly ListSegment[], limit: number): Promise<ListItem[]> {
  const perKey = await Promise.all(segments.map((segment) => querySegment(store, segment, limit)));
  return perKey
    .flat()
    .sort((a, b) => (a.listSk < b.listSk ? 1 : a.listSk > b.listSk ? -1 : 0))
    .slice(0, limit);
}

/** Replaces a user's editable fields (PUT). */
export function replaceUser(store: UserStore, userId: string, input: UserInput, condition?: VersionCondition) {
  return updateUser(store, userId, () => input, condition);
}

/** Applies a JSON merge patch to a user's editable fields (PATCH); the result must be a valid {@link UserInput}. */
export function patchUser(store: UserStore, userId: string, patch: UserPatch, condition?: VersionCondition) {
  return updateUser(
    store,
    userId,
    (current) => {
      const { email, name, phone, attributes } = current;
      const patched = UserInput.safeParse(applyMergePatch({ email, name, phone, attributes }, patch));
      if (!patched.success) throw ValidationFailed.fromZod(patched.error, "The patched user is not valid.", "body");
      return patched.data;
    },
    condition,
  );
}

/**
 * Read, check the precondition, write conditioned on the version read.
 * A write that lost a race reads again, so no update is ever lost, and an
 * `If-Match` that no longer holds becomes a 412.
 */
async function updateUser(
  store: UserStore,
  userId: string,
  nextFields: (current: User) => UserInput,
  condition: VersionCondition | undefined,
  now = () => new Date(),
): Promise<User> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await getUser(store, userId, condition);
    const fields = nextFields(current);
    // A change that changes nothing writes nothing: the version and the ETag stay.
    if (isDeepStrictEqual(editableFields(fields), editableFields(current))) return current;
    const updated: User = {
      userId,
      ...fields,
      createdAt: current.createdAt,
      updatedAt: now().toISOString(),
      version: current.version + 1,
    };
    const putUser = {
      TableName: store.tableName,
      Item: toItem(updated, store),
      ConditionExpression: "version = :read",
      ExpressionAttributeValues: { ":read": current.version },
    };
    try {
      if (updated.email === current.email) {
        await store.client.send(new PutCommand(putUser));
      } else {
        await store.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: putUser },
              {
                Delete: {
                  TableName: store.tableName,
                  Key: itemKeys.emailGuard(current.email),
                  ConditionExpression: "userId = :userId",
                  ExpressionAttributeValues: { ":userId": userId },
                },
              },
              {
                Put: {
                  TableName: store.tableName,
                  Item: { ...itemKeys.emailGuard(updated.email), userId },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        );
      }
      return updated;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[2] === "ConditionalCheckFailed" && reasons[0] !== "ConditionalCheckFailed") {
        throw emailTaken(updated.email);
      }
      if (isConditionFailure(error) || reasons?.some((code) => code !== "None")) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }
  throw new Conflict("The user changed too often while being updated; try again.", { retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS });
}

/** Deletes a user and its email guard in one transaction. */
export async function deleteUser(store: UserStore, userId: string, condition?: VersionCondition): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await getUser(store, userId, condition);
    try {
      await store.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: store.tableName,
                Key: itemKeys.user(userId),
                ConditionExpression: "version = :read",
                ExpressionAttributeValues: { ":read": current.version },
              },
            },
            {
              Delete: {
                TableName: store.tableName,
                Key: itemKeys.emailGuard(current.email),
                ConditionExpression: "userId = :userId",
                ExpressionAttributeValues: { ":userId": userId },
              },
            },
          ],
        }),
      );
      return;
    } catch (error) {
      if (cancellationReasons(error)?.some((code) => code !== "None")) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }
  throw new Conflict("The user changed too often while being deleted; try again.", { retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS });
}

function requireVersion(current: User, condition: VersionCondition | undefined) {
  if (condition && !condition.matches(current.version)) {
    throw new PreconditionFailed(`The user is at version ${current.version}, which If-Match does not name.`);
  }
}
