import { describe, expect, it } from "vitest";
import { ValidationFailed } from "../../src/errors.js";
import { IF_MATCH_PATTERN, etagOf, parseIfMatch } from "../../src/user/version.js";

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
    ['"*"', []],
    ['"a-b_c"', []],
  ])("If-Match: %s matches exactly the versions %j of 1 to 7", (header, versions) => {
    const condition = parseIfMatch(header);
    const matching = [1, 2, 3, 4, 5, 6, 7].filter((version) => condition?.matches(version));
    expect(matching).toEqual(versions);
  });

  it.each(["3", '"3', '3"', "", " ", '"3" "4"', '"3",', '*, "3"', "W/3", 'w/"3"', '"a b"', '"3";q=1'])(
    "refuses the malformed If-Match %j with a ValidationFailed naming the header",
    (header) => {
      expect(() => parseIfMatch(header)).toThrow(ValidationFailed);
      try {
        parseIfMatch(header);
      } catch (error) {
        expect((error as ValidationFailed).errors).toEqual([{ path: "headers.if-match", message: 'must be * or a list of entity tags such as "3"' }]);
      }
    },
  );

  it("states its syntax as a pattern, which the OpenAPI document carries", () => {
    expect(['"1"', "*", 'W/"1"', '"1", W/"2"', '"1","2"'].every((value) => IF_MATCH_PATTERN.test(value))).toBe(true);
    expect(["", "1", '"1" "2"', '"a b"'].some((value) => IF_MATCH_PATTERN.test(value))).toBe(false);
  });
});
