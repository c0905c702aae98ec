import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ValidationFailed } from "../../src/errors.js";
import { decodeCursor, encodeCursor, type PageKey } from "../../src/user/cursor.js";

const secret = "cursor-signing-secret";
const key: PageKey = {
  pk: "USER#0b6c2f1e-2a8e-4c1e-9d59-5a1f0a3e4b7c",
  sk: "PROFILE",
  listPk: "USERS",
  listSk: "2024-05-01T12:00:00.000Z#0b6c2f1e-2a8e-4c1e-9d59-5a1f0a3e4b7c",
};

const base64url = (text: string) => Buffer.from(text).toString("base64url");

/** Asserts `decodeCursor` rejects the cursor as a 400-style validation problem on `query.cursor`. */
function expectRejected(cursor: string, withSecret = secret) {
  let thrown: unknown;
  try {
    decodeCursor(cursor, withSecret);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ValidationFailed);
  expect((thrown as ValidationFailed).errors).toEqual([{ path: "query.cursor", message: "is invalid or has been tampered with" }]);
}

describe("encodeCursor and decodeCursor", () => {
  it("round-trips a page key", () => {
    expect(decodeCursor(encodeCursor(key, secret), secret)).toEqual(key);
  });

  it("makes an opaque URL-safe token", () => {
    expect(encodeCursor(key, secret)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it("rejects a cursor whose payload was changed", () => {
    const [, signature] = encodeCursor(key, secret).split(".");
    const forged = base64url(JSON.stringify({ ...key, listSk: "9999-12-31T00:00:00.000Z#x" }));
    expectRejected(`${forged}.${signature}`);
  });

  it("rejects a cursor whose signature was changed", () => {
    const [payload, signature = ""] = encodeCursor(key, secret).split(".");
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    expectRejected(`${payload}.${flipped}`);
  });

  it("rejects a cursor with a truncated signature", () => {
    expectRejected(encodeCursor(key, secret).slice(0, -4));
  });

  it("rejects a cursor signed with another secret", () => {
    expectRejected(encodeCursor(key, "another-secret"));
  });

  it.each([
    ["JSON that is not a page key", JSON.stringify({ pk: "USER#x", extra: true })],
    ["not JSON at all", "not json"],
  ])("rejects a correctly signed payload holding %s", (_, content) => {
    const payload = base64url(content);
    expectRejected(`${payload}.${createHmac("sha256", secret).update(payload).digest("base64url")}`);
  });

  describe("accepts only the exact encoding it issued", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const issued = encodeCursor(key, secret);
    const [payload = "", signature = ""] = issued.split(".");
    /** The last character with its lowest bit flipped: base64url leaves those bits unused when the length is not a multiple of 4. */
    const flipLastLowBit = (part: string) => `${part.slice(0, -1)}${alphabet[alphabet.indexOf(part.at(-1)!) ^ 1]}`;

    it("holds the variants to test: the signature uses '-' or '_', and both parts end in unused bits", () => {
      expect(signature).toMatch(/[-_]/);
      expect(payload.length % 4).not.toBe(0);
      expect(signature.length % 4).not.toBe(0);
      // Node decodes every variant below to the very same bytes, so only an exact comparison can refuse them.
      expect(Buffer.from(flipLastLowBit(signature), "base64url")).toEqual(Buffer.from(signature, "base64url"));
    });

    it.each([
      ["padding added to the signature", `${payload}.${signature}=`],
      ["padding added to the payload", `${payload}=.${signature}`],
      ["the signature in the +/ alphabet", `${payload}.${signature.replaceAll("-", "+").replaceAll("_", "/")}`],
      ["the low bit of the signature's last character flipped", `${payload}.${flipLastLowBit(signature)}`],
      ["the low bit of the payload's last character flipped", `${flipLastLowBit(payload)}.${signature}`],
    ])("rejects a cursor with %s", (_, variant) => {
      expect(variant).not.toBe(issued);
      expectRejected(variant);
    });
  });

  it.each(["", ".", "..", "abc", "abc.", ".abc", "a.b.c", "!!!.???", "eyJ9.eyJ9", base64url("{}")])("rejects the garbage cursor %j", (cursor) => {
    expectRejected(cursor);
  });
});
