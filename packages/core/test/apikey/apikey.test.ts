import { describe, expect, it } from "vitest";
import { ApiKeyStore, findApiKey, generateApiKey, hashApiKey, type ApiKeyRecord } from "../../src/apikey/apikey.js";

const now = new Date("2024-05-01T12:00:00.000Z");

describe("hashApiKey", () => {
  it("is the hex SHA-256 of the key", () => {
    // FIPS 180-2 test vector.
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("generateApiKey", () => {
  it("makes a random 256-bit key and a record holding only its hash", () => {
    const { key, record } = generateApiKey("billing", ["users:read"], now);
    expect(key).toMatch(/^uak_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({ name: "billing", hash: hashApiKey(key), scopes: ["users:read"], createdAt: now.toISOString() });
    expect(JSON.stringify(record)).not.toContain(key.slice(4));
  });

  it("makes a different key every time", () => {
    expect(generateApiKey("a", ["users:read"]).key).not.toBe(generateApiKey("a", ["users:read"]).key);
  });

  it("stores each scope once", () => {
    expect(generateApiKey("a", ["users:write", "users:read", "users:write"], now).record.scopes).toEqual(["users:write", "users:read"]);
  });

  it.each([
    ["an empty name", "", ["users:read"]],
    ["a name over 64 characters", "n".repeat(65), ["users:read"]],
    ["no scopes", "ok", []],
  ] as const)("refuses %s", (_, name, scopes) => {
    expect(() => generateApiKey(name, scopes, now)).toThrow();
  });
});

describe("findApiKey", () => {
  const reader = generateApiKey("reader", ["users:read"], now);
  const writer = generateApiKey("writer", ["users:read", "users:write"], now);
  const store: ApiKeyStore = { keys: [reader.record, writer.record] };

  it.each([
    ["reader", reader.key, reader.record],
    ["writer", writer.key, writer.record],
  ] as const)("finds the %s's record by its key", (_, key, record: ApiKeyRecord) => {
    expect(findApiKey(store, key)).toEqual(record);
  });

  it.each([
    ["an unknown key", generateApiKey("x", ["users:read"]).key],
    ["an empty string", ""],
    ["the stored hash itself", reader.record.hash],
    ["the key with different case", reader.key.toUpperCase()],
  ])("finds nothing for %s", (_, presented) => {
    expect(findApiKey(store, presented)).toBeUndefined();
  });

  it("finds nothing in an empty store", () => {
    expect(findApiKey({ keys: [] }, reader.key)).toBeUndefined();
  });
});

describe("ApiKeyStore", () => {
  const record = generateApiKey("ops", ["users:read"], now).record;

  it("accepts the stored document", () => {
    expect(ApiKeyStore.parse({ keys: [record] })).toEqual({ keys: [record] });
  });

  it.each([
    ["a record carrying the key itself", { keys: [{ ...record, key: "uak_secret" }] }],
    ["a hash that is not hex SHA-256", { keys: [{ ...record, hash: "abc" }] }],
    ["an unknown scope", { keys: [{ ...record, scopes: ["users:admin"] }] }],
    ["an unknown top-level field", { keys: [], version: 2 }],
  ])("rejects %s", (_, document) => {
    expect(ApiKeyStore.safeParse(document).success).toBe(false);
  });
});
