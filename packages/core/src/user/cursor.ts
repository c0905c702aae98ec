import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "../zod.js";
import { ValidationFailed } from "../errors.js";

/** The DynamoDB key a page ends at: the table key plus the list index key. */
export const PageKey = z.strictObject({
  pk: z.string().check(z.maxLength(512)),
  sk: z.string().check(z.maxLength(512)),
  listPk: z.string().check(z.maxLength(512)),
  listSk: z.string().check(z.maxLength(512)),
});
export type PageKey = z.infer<typeof PageKey>;

const sign = (payload: string, secret: string) => createHmac("sha256", secret).update(payload).digest();

/** Encodes where the next page starts as an opaque, HMAC-SHA256-signed token. */
export function encodeCursor(key: PageKey, secret: string): string {
  const payload = Buffer.from(JSON.stringify(key)).toString("base64url");
  return `${payload}.${sign(payload, secret).toString("base64url")}`;
}

const invalidCursor = () =>
  new ValidationFailed("The cursor is not one this API issued.", [
    { path: "query.cursor", message: "is invalid or has been tampered with" },
  ]);

/**
 * Node's base64url decoder is lenient: it accepts `=` padding, the `+` and `/`
 * alphabet and set bits past the last whole byte. Only the exact text
 * {@link encodeCursor} writes is accepted, so one page has one cursor.
 */
const canonicalBase64url = (text: string) =>
  /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, "base64url").toString("base64url") === text;

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
