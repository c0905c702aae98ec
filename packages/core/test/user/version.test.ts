import { describe, expect, it } from "vitest";
import { etagOf, parseIfMatch } from "../../src/user/version.js";

describe("etagOf", () => {
  it("is a strong entity tag holding the version", () => {
    expect(etagOf(3)).toBe('"3"');
  });
});

describe("parseIfMatch", () => {
  it("gives no condition when the header is absent", () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it.each(["*", " * "])("lets %j match any version", (header) => {
    const condition = parseIfMatch(header);
    expect([1, 2, 99].map((version) => condition?.matches(version))).toEqual([true, true, true]);
  });

  it.each([
    ['"3"', [3]],
    [' "3" ', [3]],
    ['"2", "3"', [2, 3]],
    ['"2","3" , "7"', [2, 3, 7]],
    ['"3", W/"4"', [3]],
    ['W/"3"', []],
    ['W/"2", W/"3"', []],
    ["3", []],
    ['"3', []],
    ["", []],
    ['"*"', []],
  ])("If-Match: %s matches exactly the versions %j of 1 to 7", (header, versions) => {
    const condition = parseIfMatch(header);
    const matching = [1, 2, 3, 4, 5, 6, 7].filter((version) => condition?.matches(version));
    expect(matching).toEqual(versions);
  });
});
