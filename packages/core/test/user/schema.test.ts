import { describe, expect, it } from "vitest";
import type { z } from "zod/mini";
import { Attributes, Email, ListUsersQuery, Name, Phone, UserInput, UserPatch, userLimits } from "../../src/user/schema.js";

/** The messages of a failed parse, by dotted path; fails the test when the value was accepted. */
function issuesOf(schema: z.ZodMiniType, value: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

const emailRule =
  "must be an email address: at most 64 characters before the @ (letters, digits, _ ' + - and single dots between them), " +
  "then dot-separated domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a hyphen, " +
  "the last one of 2 or more letters";
const phoneRule = "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0";

/** An address of exactly `length` characters: a 64-character local part and a long dotted domain. */
function emailOfLength(length: number): string {
  const local = "a".repeat(64);
  let domain = "com";
  while (local.length + 1 + domain.length < length) {
    const room = length - (local.length + 1 + domain.length) - 1;
    domain = `${"b".repeat(Math.min(63, Math.max(1, room)))}.${domain}`;
  }
  return `${local}@${domain}`;
}

describe("Email", () => {
  it.each([
    ["ada@example.com", "ada@example.com"],
    ["  ada@example.com\t", "ada@example.com"],
    ["Ada.Lovelace@Example.COM", "ada.lovelace@example.com"],
    ["first+tag@sub.example.org", "first+tag@sub.example.org"],
  ])("accepts %j as %j (trimmed, lower-cased)", (input, expected) => {
    expect(Email.parse(input)).toBe(expected);
  });

  it("accepts an address of exactly 254 characters, counted after trimming", () => {
    const address = emailOfLength(userLimits.emailMaxLength);
    expect(address).toHaveLength(254);
    expect(Email.parse(`  ${address}  `)).toBe(address);
  });

  it("rejects an address of 255 characters", () => {
    const address = emailOfLength(userLimits.emailMaxLength + 1);
    expect(address).toHaveLength(255);
    expect(issuesOf(Email, address)).toContainEqual({ path: "", message: "must be at most 254 characters" });
  });

  it.each(["", "   ", "ada", "ada@", "@example.com", "ada@example", "ada lovelace@example.com", "ada@@example.com"])(
    "rejects %j as not an email address",
    (input) => {
      expect(issuesOf(Email, input)).toEqual([{ path: "", message: emailRule }]);
    },
  );

  it.each([
    ["a local part of 64 characters", `${"a".repeat(64)}@example.com`],
    ["a domain label of 63 characters", `ada@${"b".repeat(63)}.com`],
    ["a label with a hyphen inside", "ada@b-c.example.com"],
    ["a top-level label of 63 letters", `ada@example.${"c".repeat(63)}`],
    ["digits in a label", "ada@1st.example.com"],
  ])("accepts %s", (_, input) => {
    expect(Email.parse(input)).toBe(input);
  });

  it.each([
    ["a local part of 65 characters", `${"a".repeat(65)}@example.com`],
    ["a domain label of 64 characters", `ada@${"b".repeat(64)}.com`],
    ["a label ending with a hyphen", "a@b-.com"],
    ["a label starting with a hyphen", "a@-b.com"],
    ["an empty label", "a@b..com"],
    ["a top-level label of 64 letters", `ada@example.${"c".repeat(64)}`],
    ["a top-level label of one letter", "ada@example.c"],
    ["a trailing dot in the local part", "ada.@example.com"],
  ])("rejects %s", (_, input) => {
    expect(issuesOf(Email, input)).toEqual([{ path: "", message: emailRule }]);
  });

  it.each([
    ["a Kelvin sign, which lower-cases to k", "\u212Aelvin@example.com"],
    ["a dotless i's capital, which lower-cases to i and a combining dot", "\u0130nci@example.com"],
    ["a long s in the domain", "ada@example.\u017Fe"],
  ])("rejects an address with %s: it is checked as sent, before lower-casing", (_, input) => {
    expect(issuesOf(Email, input)).toEqual([{ path: "", message: emailRule }]);
  });

  it.each([42, null, ["ada@example.com"]])("rejects the non-string %j", (input) => {
    expect(issuesOf(Email, input)).toHaveLength(1);
  });
});

describe("Name", () => {
  it.each([
    ["Ada Lovelace", "Ada Lovelace"],
    ["  Ada  ", "Ada"],
    ["A", "A"],
  ])("accepts %j as %j", (input, expected) => {
    expect(Name.parse(input)).toBe(expected);
  });

  it.each(["", "   ", "\n\t"])("rejects %j as empty after trimming", (input) => {
    expect(issuesOf(Name, input)).toEqual([{ path: "", message: "must not be empty" }]);
  });

  it("accepts 200 characters, counting an emoji once", () => {
    const name = "🙂".repeat(userLimits.nameMaxLength);
    expect(name.length).toBe(400);
    expect(Name.parse(name)).toBe(name);
  });

  it("rejects 201 characters", () => {
    expect(issuesOf(Name, "x".repeat(201))).toEqual([{ path: "", message: "must be at most 200 characters" }]);
  });

  it("rejects text that is not valid Unicode (a lone surrogate)", () => {
    expect(issuesOf(Name, "Ada \ud800")).toContainEqual({ path: "", message: "must be valid Unicode text" });
  });

  it.each([
    ["NUL", "Ada\u0000"],
    ["BEL", "Ada\u0007Lovelace"],
    ["DEL", "Ada\u007f"],
    ["a C1 control (U+0085)", "Ada\u0085Lovelace"],
    ["a right-to-left override (U+202E)", "Ada\u202Eecalevol"],
    ["a left-to-right embedding (U+202A)", "\u202AAda"],
    ["a first-strong isolate (U+2068)", "Ada \u2068x\u2069"],
    ["a newline inside", "Ada\nLovelace"],
  ])("rejects a name holding %s", (_, input) => {
    expect(issuesOf(Name, input)).toEqual([
      {
        path: "",
        message: "must not contain control characters (U+0000-U+001F, U+007F-U+009F) or bidirectional controls (U+202A-U+202E, U+2066-U+2069)",
      },
    ]);
  });

  it.each([
    ["a zero-width space", "\u200B"],
    ["zero-width spaces and joiners", "\u200B\u200C\u200D\u2060"],
    ["a Hangul filler (a default-ignorable letter)", "\u3164"],
    ["a soft hyphen and a word joiner", "\u00AD\u2060"],
    ["a combining mark alone", "\u0301"],
    ["a byte order mark between spaces", " \uFEFF\u200B "],
    ["variation selectors", "\uFE0F\uFE0E"],
  ])("rejects a name of only %s", (_, input) => {
    expect(issuesOf(Name, input)).toContainEqual({
      path: "",
      message: "must contain a visible character (a letter, digit, punctuation mark or symbol), not only whitespace or invisible characters",
    });
  });

  it.each(["Zoë", "李小龍", "محمد", "👩\u200D💻", "O'Brien-Smith", "Ada\u200BLovelace", "1", "-"])("accepts the name %j", (input) => {
    expect(Name.parse(input)).toBe(input);
  });
});

describe("Phone", () => {
  it.each(["+12345678", "+12025550123", "+442071838750", "+123456789012345"])("accepts the E.164 number %s", (input) => {
    expect(Phone.parse(input)).toBe(input);
  });

  it.each([
    ["7 digits", "+1234567"],
    ["16 digits", "+1234567890123456"],
    ["no plus sign", "12025550123"],
    ["spaces", "+1 202 555 0123"],
    ["dashes", "+1-202-555-0123"],
    ["letters", "+1202555CALL"],
    ["nothing", ""],
    ["only zeros", "+0000000000"],
    ["a country code starting with 0", "+0441234567890"],
  ])("rejects a number with %s", (_, input) => {
    expect(issuesOf(Phone, input)).toEqual([{ path: "", message: phoneRule }]);
  });
});

/** The number rule, as the API states it: the largest magnitude it names is the largest it accepts. */
const numberRule = "numbers must be finite, at most 2^53 - 1 (9007199254740991) in magnitude, and 0 or at least 1e-130 in magnitude";

describe("Attributes", () => {
  it.each([
    ["a string", "blue"],
    ["an empty string", ""],
    ["a string of 1024 characters", "x".repeat(1024)],
    ["an integer", 42],
    ["zero", 0],
    ["a negative decimal", -1.5],
    ["the largest safe integer, 2^53 - 1", Number.MAX_SAFE_INTEGER],
    ["the smallest safe integer", Number.MIN_SAFE_INTEGER],
    ["1e-130", 1e-130],
    ["-1e-130", -1e-130],
    // Above 2^52 a double holds no fraction: 2^52 - 0.5 is the largest decimal there is.
    ["the largest decimal a double holds, 2^52 - 0.5", 4503599627370495.5],
    ["true", true],
    ["false", false],
  ])("accepts %s as a value", (_, value) => {
    expect(Attributes.parse({ key: value })).toEqual({ key: value });
  });

  it.each([
    ["a nested object", { deep: 1 }, "must be a string, a number or a boolean"],
    ["an array", ["a"], "must be a string, a number or a boolean"],
    ["null", null, "must be a string, a number or a boolean"],
    ["a string of 1025 characters", "x".repeat(1025), "string values must be at most 1024 characters"],
    ["a number beyond 2^53", 2 ** 60, numberRule],
    ["2^53", 2 ** 53, numberRule],
    ["-(2^53)", -(2 ** 53), numberRule],
    ["a number smaller than 1e-130", 1e-131, numberRule],
    ["a negative number smaller than 1e-130 in magnitude", -1e-131, numberRule],
  ])("rejects %s as a value", (_, value, message) => {
    expect(issuesOf(Attributes, { key: value })).toEqual([{ path: "key", message }]);
  });

  it("accepts keys of 1 and 64 characters", () => {
    const attributes = { k: 1, ["k".repeat(64)]: 2 };
    expect(Attributes.parse(attributes)).toEqual(attributes);
  });

  it.each([
    ["an empty key", ""],
    ["a key of 65 characters", "k".repeat(65)],
  ])("rejects %s", (_, key) => {
    expect(issuesOf(Attributes, { [key]: 1 })).toEqual([{ path: key, message: "Invalid key in record" }]);
  });

  it("accepts 50 keys and rejects 51", () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(Attributes.parse(keys(50)))).toHaveLength(50);
    expect(issuesOf(Attributes, keys(51))).toEqual([{ path: "", message: "must have at most 50 keys" }]);
  });
});

describe("UserInput", () => {
  it("accepts a full user and normalises its email and name", () => {
    const input = { email: " Ada@Example.com ", name: " Ada ", phone: "+12025550123", attributes: { team: "math", level: 3, admin: false } };
    expect(UserInput.parse(input)).toEqual({ ...input, email: "ada@example.com", name: "Ada" });
  });

  it("accepts a user without the optional phone and attributes", () => {
    expect(UserInput.parse({ email: "ada@example.com", name: "Ada" })).toEqual({ email: "ada@example.com", name: "Ada" });
  });

  it("rejects an unknown top-level field", () => {
    const result = UserInput.safeParse({ email: "ada@example.com", name: "Ada", role: "admin" });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: "unrecognized_keys", keys: ["role"] })]);
  });

  it.each(["email", "name"])("requires %s", (field) => {
    const input: Record<string, unknown> = { email: "ada@example.com", name: "Ada" };
    delete input[field];
    expect(issuesOf(UserInput, input).map((issue) => issue.path)).toEqual([field]);
  });

  it("rejects a null phone (null only removes a field in a PATCH)", () => {
    expect(issuesOf(UserInput, { email: "ada@example.com", name: "Ada", phone: null }).map((issue) => issue.path)).toEqual(["phone"]);
  });
});

describe("UserPatch", () => {
  it.each([{}, { name: "Ada" }, { phone: null }, { attributes: null }, { attributes: { team: null, level: 4 } }])("accepts the merge patch %j", (patch) => {
    expect(UserPatch.parse(patch)).toEqual(patch);
  });

  it.each([
    [{ email: 42 }, "email", "Invalid input: expected string, received number"],
    [{ email: null }, "email", "Invalid input: expected string, received null"],
    [{ name: "  " }, "name", "must not be empty"],
    [{ phone: "123" }, "phone", "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0"],
    [{ attributes: { deep: { a: 1 } } }, "attributes.deep", "must be a string, a number or a boolean"],
    [{ attributes: { ["k".repeat(65)]: null } }, `attributes.${"k".repeat(65)}`, "Invalid key in record"],
    [JSON.parse('{"attributes":{"__proto__":null}}') as unknown, "attributes.__proto__", "keys must not be __proto__"],
  ])("refuses the merge patch %j: each value is checked as it is given", (patch, path, message) => {
    expect(issuesOf(UserPatch, patch)).toEqual([{ path, message }]);
  });

  it("normalises a patched email and name as a create does", () => {
    expect(UserPatch.parse({ email: " Ada@Example.com ", name: " Ada " })).toEqual({ email: "ada@example.com", name: "Ada" });
  });

  it.each(["userId", "version", "createdAt", "role"])("rejects the field %s", (field) => {
    const result = UserPatch.safeParse({ [field]: "x" });
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: "unrecognized_keys", keys: [field] })]);
  });
});

describe("ListUsersQuery", () => {
  it("defaults the limit to 20 and leaves the cursor out", () => {
    expect(ListUsersQuery.parse({})).toEqual({ limit: userLimits.pageSizeDefault });
  });

  it.each([
    ["1", 1],
    ["20", 20],
    ["100", 100],
    ["007", 7],
  ])("reads limit=%s as %i", (limit, expected) => {
    expect(ListUsersQuery.parse({ limit })).toEqual({ limit: expected });
  });

  it.each([
    ["0", "must be at least 1"],
    ["101", "must be at most 100"],
    ["1000", "must be an integer from 1 to 100"],
    ["abc", "must be an integer from 1 to 100"],
    ["1.5", "must be an integer from 1 to 100"],
    ["-1", "must be an integer from 1 to 100"],
    ["", "must be an integer from 1 to 100"],
    [" 5", "must be an integer from 1 to 100"],
  ])("rejects limit=%j: %s", (limit, message) => {
    expect(issuesOf(ListUsersQuery, { limit })).toEqual([{ path: "limit", message }]);
  });

  it("passes a cursor through for the handler to verify", () => {
    expect(ListUsersQuery.parse({ cursor: "abc.def" })).toEqual({ limit: 20, cursor: "abc.def" });
  });

  it.each([
    ["empty", "", "must not be empty"],
    ["longer than 2048 characters", "c".repeat(2049), "is too long"],
  ])("rejects a cursor that is %s", (_, cursor, message) => {
    expect(issuesOf(ListUsersQuery, { cursor })).toEqual([{ path: "cursor", message }]);
  });

  it("rejects an unknown query parameter", () => {
    const result = ListUsersQuery.safeParse({ limit: "5", sort: "name" });
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: "unrecognized_keys", keys: ["sort"] })]);
  });
});
