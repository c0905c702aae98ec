import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "../zod.js";

/** What a key may do. GET needs `users:read`; POST, PUT, PATCH and DELETE need `users:write`. */
export const Scope = z.enum(["users:read", "users:write"]);
export type Scope = z.infer<typeof Scope>;
export const allScopes = Scope.options;

/** One API key as stored: only the SHA-256 hash of the key, never the key. */
export const ApiKeyRecord = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  scopes: z.array(Scope).check(z.minLength(1)),
  createdAt: z.iso.datetime(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

/** The JSON document held in the Secrets Manager secret. Several live keys allow rotation without downtime. */
export const ApiKeyStore = z.strictObject({ keys: z.array(ApiKeyRecord) });
export type ApiKeyStore = z.infer<typeof ApiKeyStore>;

export const emptyApiKeyStore: ApiKeyStore = { keys: [] };

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/** Makes a new random key (256 bits) and the record to store for it. */
export function generateApiKey(name: string, scopes: readonly Scope[], now = new Date()) {
  const key = `uak_${randomBytes(32).toString("base64url")}`;
  const record = ApiKeyRecord.parse({ name, hash: hashApiKey(key), scopes: [...new Set(scopes)], createdAt: now.toISOString() });
  return { key, record };
}

/**
 * Finds the record of a presented key. Every record is compared, in constant
 * time, so the time taken says nothing about which hash was close.
 */
export function findApiKey(store: ApiKeyStore, presented: string): ApiKeyRecord | undefined {
  const presentedHash = Buffer.from(hashApiKey(presented), "hex");
  let found: ApiKeyRecord | undefined;
  for (const record of store.keys) {
    if (timingSafeEqual(presentedHash, Buffer.from(record.hash, "hex"))) found = record;
  }
  return found;
}
