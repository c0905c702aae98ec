import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "../zod.js";
import { ValidationFailed } from "../errors.js";
import { SINGLE_LIST_PARTITION } from "./list-layout.js";
import { itemKeys } from "./table.js";

/** A user id as the API makes them: a UUID in lower-case hex. */
const ISSUED_USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The list partition keys a layout gives: `USERS`, or `USERS#<shard>` (0 to 999, no leading zero). */
const ISSUED_LIST_PARTITION = new RegExp(`^${SINGLE_LIST_PARTITION}(?:#(?:0|[1-9][0-9]{0,2}))?$`);

/** The creation time and user id a list sort key holds, when it is exactly one the API writes. */
export function parseListSortKey(listSk: string): { createdAt: string; userId: string } | undefined {
  const [createdAt = "", userId = "", ...rest] = listSk.split("#");
  const ms = Date.parse(createdAt);
  // toISOString gives the one form the API writes times in; a time it did not write differs from it.
  if (rest.length > 0 || !ISSUED_USER_ID.test(userId) || Number.isNaN(ms) || new Date(ms).toISOString() !== createdAt) return undefined;
  return itemKeys.listSortKey(createdAt, userId) === listSk ? { createdAt, userId } : undefined;
}

/**
 * The DynamoDB key a page ends at: the table key plus the list index key, exactly as the API writes
 * them for one user (`USER#<id>`, `PROFILE`, a list partition, `<createdAt>#<id>`). Anything else
 * (a key of another item, of another user in each half, a time not in the API's form) is refused
 * here, before DynamoDB sees it; the repository checks that the partition is the one its layouts give.
 */
export const PageKey = z
  .strictObject({
    pk: z.string(),
    sk: z.string(),
    listPk: z.string().check(z.regex(ISSUED_LIST_PARTITION)),
    listSk: z.string(),
  })
  .check(
    z.refine((key) => {
      const sortKey = parseListSortKey(key.listSk);
      if (!sortKey) return false;
      const tableKey = itemKeys.user(sortKey.userId);
      return key.pk === tableKey.pk && key.sk === tableKey.sk;
    }, "is not the key of a user"),
  );
export type PageKey = z.infer<typeof PageKey>;

const sign = (payload: string, secret: string) => createHmac("sha256", secret).update(payload).digest();

/** Encodes where the next page starts as an opaque, HMAC-SHA256-signed token. */
export function encodeCursor(key: PageKey, secret: string): string {
  const payload = Buffer.from(JSON.stringify(key)).toString("base64url");
  return `${payload}.${sign(payload, secret).toString("base64url")}`;
}

/** The error for any cursor the API did not issue: forged, tampered with, or signed but not one of its keys. */
export const invalidCursor = () =>
  new ValidationFailed("The cursor is not one this API issued.", [{ path: "query.cursor", message: "is invalid or has been tampered with" }]);

/**
 * Node's base64url decoder is lenient: it accepts `=` padding, the `+` and `/`
 * alphabet and set bits past the last whole byte. Only the exact text
 * {@link encodeCursor} writes is accepted, so one page has one cursor.
 */
const canonicalBase64url = (text: string) => /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, "base64url").toString("base64url") === text;

/** Verifies and decodes a cursor; anything but the exact text signed with `secret` is a {@link ValidationFailed}. */
export function decodeCursor(cursor: string, secret: string): PageKey {
  const [payload, signature, ...rest] = cursor.split(".");
  if (!payload || !signature || rest.length > 0) throw invalidCursor();
  if (!canonicalBase64url(payload) || !canonicalBase64url(signature)) throw invalidCursor();
  const expected = sign(payload, secret);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
  try {
    return PageKey.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    throw invalidCursor();
  }
}
