import { describe, expect, it } from "vitest";
import { UserId, userIdForIdempotencyKey } from "../../src/index.js";

describe("userIdForIdempotencyKey", () => {
  it("gives the same request the same user id, every time", () => {
    expect(userIdForIdempotencyKey("mobile-app", "key-1")).toBe(userIdForIdempotencyKey("mobile-app", "key-1"));
  });

  it.each([
    ["another key", "mobile-app", "key-2"],
    ["another caller", "web-app", "key-1"],
    ["a caller and key that concatenate alike", "mobile-appk", "ey-1"],
  ])("gives %s another id", (_, caller, key) => {
    expect(userIdForIdempotencyKey(caller, key)).not.toBe(userIdForIdempotencyKey("mobile-app", "key-1"));
  });

  it("is a version 8 UUID, which the API accepts as a user id", () => {
    const id = userIdForIdempotencyKey("mobile-app", "key-1");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(UserId.safeParse(id).success).toBe(true);
  });
});
