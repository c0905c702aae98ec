import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../src/user/merge-patch.js";

describe("applyMergePatch", () => {
  // RFC 7396, Appendix A: every example, in order.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("RFC 7396 example: %j patched with %j is %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("leaves the target unchanged", () => {
    const target = { name: "Ada", attributes: { team: "math", level: 3 } };
    const before = structuredClone(target);
    applyMergePatch(target, { name: null, attributes: { team: null, level: 4 } });
    expect(target).toEqual(before);
  });

  it("merges a user's attributes member by member", () => {
    const user = { email: "ada@example.com", name: "Ada", phone: "+12025550123", attributes: { team: "math", level: 3 } };
    expect(applyMergePatch(user, { phone: null, attributes: { team: null, admin: true } })).toEqual({
      email: "ada@example.com",
      name: "Ada",
      attributes: { level: 3, admin: true },
    });
  });

  it("keeps a __proto__ member as data, never as the result's prototype", () => {
    const patched = applyMergePatch({ attributes: { kept: 1 } }, JSON.parse('{"attributes":{"__proto__":{"admin":true}}}')) as {
      attributes: Record<string, unknown>;
    };
    expect(Object.getPrototypeOf(patched.attributes)).toBe(Object.prototype);
    expect(Object.keys(patched.attributes)).toEqual(["kept", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(patched.attributes, "__proto__")?.value).toEqual({ admin: true });
  });

  it("merges into a member named like an Object.prototype property as into any other", () => {
    expect(applyMergePatch({ constructor: "a" }, { constructor: "b", toString: 1 })).toEqual({ constructor: "b", toString: 1 });
    expect(applyMergePatch({}, { constructor: { a: 1 } })).toEqual({ constructor: { a: 1 } });
  });
});
