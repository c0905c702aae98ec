import * as z from "../zod.js";

/**
 * The user contract: what the API accepts and returns. Each rule zod checks
 * with a refinement also states, beside it, what JSON Schema can say of it
 * (registered as the schema's metadata), so the OpenAPI document carries the
 * same rules; where JSON Schema cannot say it exactly, the description does.
 */

/** Limits of the user contract, shared by validation, docs and tests. */
export const userLimits = {
  emailMaxLength: 254,
  nameMaxLength: 200,
  attributesMaxKeys: 50,
  attributeKeyMaxLength: 64,
  attributeValueMaxLength: 1024,
  pageSizeDefault: 20,
  pageSizeMax: 100,
  cursorMaxLength: 2048,
} as const;

/**
 * Numbers DynamoDB stores and the SDK marshals and reads back without loss:
 * magnitudes up to 2^53 - 1 (the SDK refuses larger ones), and none below
 * DynamoDB's smallest, 1e-130, except 0.
 */
export const numberLimits = { maxMagnitude: Number.MAX_SAFE_INTEGER, minNonZeroMagnitude: 1e-130 } as const;

const isStorableNumber = (value: number) =>
  Number.isFinite(value) && Math.abs(value) <= numberLimits.maxMagnitude && (value === 0 || Math.abs(value) >= numberLimits.minNonZeroMagnitude);

/** Counts characters as Unicode code points, so an emoji counts once (as JSON Schema's lengths count). */
const codePoints = (value: string) => [...value].length;

/**
 * A string that is valid Unicode (no lone surrogates), as DynamoDB requires.
 * JSON Schema has no word for it: the document's description says it once.
 */
const text = () => z.string().check(z.refine((value) => value.isWellFormed(), "must be valid Unicode text"));

/**
 * The one email rule, as the API checks it and the document states it (its `pattern`, within what
 * `format: email` allows): a local part of 1 to 64 characters (letters, digits, `_ ' + -`, single
 * dots between them), `@`, then domain labels of 1 to 63 letters, digits or hyphens, none starting
 * or ending with a hyphen, the last one 2 to 63 letters; at most 254 characters in all (`maxLength`).
 */
export const EMAIL_PATTERN = /^(?=[^@]{1,64}@)[A-Za-z0-9_'+-]+(?:\.[A-Za-z0-9_'+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const emailRule =
  "must be an email address: at most 64 characters before the @ (letters, digits, _ ' + - and single dots between them), " +
  "then dot-separated domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a hyphen, " +
  "the last one of 2 or more letters";

/** Checked as the client sent it (trimmed), then stored lower-cased: the check never sees what case folding makes of it. */
export const Email = z
  .pipe(
    text().check(z.trim(), z.maxLength(userLimits.emailMaxLength, `must be at most ${userLimits.emailMaxLength} characters`)),
    z.email({ pattern: EMAIL_PATTERN, error: emailRule }).check(z.toLowerCase()),
  )
  .register(z.globalRegistry, {
    description:
      `An email address of at most ${userLimits.emailMaxLength} characters, as the pattern states it (ASCII; at most ` +
      "64 characters before the @; domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a " +
      "hyphen, the last one of 2 or more letters). Surrounding whitespace is trimmed before the check, so the API also " +
      "accepts the address padded with whitespace, which this schema does not. Stored lower-cased; unique across users, " +
      "case-insensitively.",
    format: "email",
    pattern: EMAIL_PATTERN.source,
    maxLength: userLimits.emailMaxLength,
  });

/** Characters no name may hold: controls (C0, DEL, C1), lone surrogates, bidi embeddings, overrides and isolates. */
const NAME_FORBIDDEN = String.raw`\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069`;
/** A visible character: a letter, digit, punctuation mark or symbol that is not default-ignorable (as U+3164 is). */
const NAME_VISIBLE = String.raw`(?!\p{Default_Ignorable_Code_Point})[\p{L}\p{N}\p{P}\p{S}]`;
/** The name rule as a pattern (Unicode mode, as JSON Schema's ECMA-262 patterns are read): no forbidden character, a visible one. */
export const NAME_PATTERN = new RegExp(`^[^${NAME_FORBIDDEN}]*${NAME_VISIBLE}[^${NAME_FORBIDDEN}]*$`, "u");
const NAME_FORBIDDEN_CHARACTER = new RegExp(`[${NAME_FORBIDDEN}]`, "u");
const NAME_VISIBLE_CHARACTER = new RegExp(NAME_VISIBLE, "u");

export const Name = text()
  .check(
    z.trim(),
    z.refine((value) => codePoints(value) >= 1, "must not be empty"),
    z.refine((value) => codePoints(value) <= userLimits.nameMaxLength, `must be at most ${userLimits.nameMaxLength} characters`),
    z.refine(
      (value) => !NAME_FORBIDDEN_CHARACTER.test(value),
      "must not contain control characters (U+0000-U+001F, U+007F-U+009F) or bidirectional controls (U+202A-U+202E, U+2066-U+2069)",
    ),
    z.refine(
      (value) => value === "" || NAME_VISIBLE_CHARACTER.test(value),
      "must contain a visible character (a letter, digit, punctuation mark or symbol), not only whitespace or invisible characters",
    ),
  )
  .register(z.globalRegistry, {
    description:
      `1 to ${userLimits.nameMaxLength} characters once surrounding whitespace is trimmed; stored trimmed. No control ` +
      "characters (U+0000-U+001F, U+007F-U+009F) and no bidirectional embeddings, overrides or isolates (U+202A-U+202E, " +
      "U+2066-U+2069); at least one visible character (a letter, digit, punctuation mark or symbol that is not " +
      "default-ignorable), so a name of only whitespace, U+200B or U+3164 is refused. The pattern states this in " +
      `Unicode mode. The schema takes the name as sent: it refuses a name the API accepts only when the surrounding ` +
      `whitespace the API trims is a control character (a tab, a newline) or makes it longer than ${userLimits.nameMaxLength}.`,
    pattern: NAME_PATTERN.source,
    maxLength: userLimits.nameMaxLength,
  });

export const Phone = z
  .string()
  .check(z.regex(/^\+[1-9][0-9]{7,14}$/, "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0"))
  .register(z.globalRegistry, { description: "An E.164 number: '+' then 8 to 15 digits, the first (the country code's) not 0." });

const AttributeString = text()
  .check(
    z.refine(
      (value) => codePoints(value) <= userLimits.attributeValueMaxLength,
      `string values must be at most ${userLimits.attributeValueMaxLength} characters`,
    ),
  )
  .register(z.globalRegistry, { maxLength: userLimits.attributeValueMaxLength });

const AttributeNumber = z
  .number()
  .check(
    z.refine(
      isStorableNumber,
      `numbers must be finite, at most 2^53 - 1 (${numberLimits.maxMagnitude}) in magnitude, and 0 or at least ${numberLimits.minNonZeroMagnitude} in magnitude`,
    ),
  )
  .register(z.globalRegistry, {
    minimum: -numberLimits.maxMagnitude,
    maximum: numberLimits.maxMagnitude,
    // Not a number strictly between -1e-130 and 1e-130, other than 0.
    not: {
      type: "number",
      exclusiveMinimum: -numberLimits.minNonZeroMagnitude,
      exclusiveMaximum: numberLimits.minNonZeroMagnitude,
      not: { const: 0 },
    },
  });

export const AttributeValue = z
  .union(
    [AttributeString, AttributeNumber, z.boolean()],
    // Without it a nested object or array reports only "Invalid input".
    { error: "must be a string, a number or a boolean" },
  )
  .register(z.globalRegistry, {
    description:
      `A string of at most ${userLimits.attributeValueMaxLength} characters, a boolean, or a number that is at most ` +
      `2^53 - 1 in magnitude and, unless 0, at least ${numberLimits.minNonZeroMagnitude} in magnitude.`,
  });
export type AttributeValue = z.infer<typeof AttributeValue>;

const AttributeKey = text()
  .check(
    z.refine((key) => {
      const length = codePoints(key);
      return length >= 1 && length <= userLimits.attributeKeyMaxLength;
    }, `keys must be 1 to ${userLimits.attributeKeyMaxLength} characters`),
  )
  .register(z.globalRegistry, { minLength: 1, maxLength: userLimits.attributeKeyMaxLength, not: { const: "__proto__" } });

/**
 * zod's record skips a `__proto__` key without a word, and JavaScript objects
 * (and the AWS SDK's marshalling) cannot hold it as data: refuse it by name.
 * A transform, so the record after it is what JSON Schema describes.
 */
const refuseProtoKey = z.transform((value: unknown, payload) => {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    payload.issues.push({ code: "custom", message: "keys must not be __proto__", path: ["__proto__"], input: value });
  }
  return value;
});

const attributeKeysDescription = `Keys are 1 to ${userLimits.attributeKeyMaxLength} characters, and not "__proto__".`;

export const Attributes = z
  .pipe(
    refuseProtoKey,
    z
      .record(AttributeKey, AttributeValue)
      .check(z.refine((value) => Object.keys(value).length <= userLimits.attributesMaxKeys, `must have at most ${userLimits.attributesMaxKeys} keys`)),
  )
  .register(z.globalRegistry, {
    description: `A flat object of at most ${userLimits.attributesMaxKeys} keys. ${attributeKeysDescription}`,
    maxProperties: userLimits.attributesMaxKeys,
  });

/** Body of POST /users and PUT /users/{userId}. */
export const UserInput = z
  .strictObject({
    email: Email,
    name: Name,
    phone: z.optional(Phone),
    attributes: z.optional(Attributes),
  })
  .register(z.globalRegistry, { description: "A user's fields, as a client sends them to create or replace a user." });
export type UserInput = z.infer<typeof UserInput>;

/** Attributes in a merge patch: each key's new value, or null to remove it. How many there are is checked after merging. */
const AttributesPatch = z.pipe(refuseProtoKey, z.record(AttributeKey, z.nullable(AttributeValue))).register(z.globalRegistry, {
  description: `Each attribute's new value, or null to remove it. ${attributeKeysDescription}`,
});

/**
 * Body of PATCH /users/{userId}: a JSON merge patch (RFC 7396) of the user's
 * fields. Each value is checked here; the patched user is then checked with
 * {@link UserInput} (for instance, that it keeps at most 50 attributes).
 */
export const UserPatch = z
  .strictObject({
    email: z.optional(Email),
    name: z.optional(Name),
    phone: z.optional(z.nullable(Phone)),
    attributes: z.optional(z.nullable(AttributesPatch)),
  })
  .register(z.globalRegistry, {
    description:
      "A JSON merge patch of the user's fields: each given field takes the value given, null removes it (only phone " +
      `and attributes may be removed), and attributes merge key by key. The patched user must be valid as in PUT; ` +
      `for instance it keeps at most ${userLimits.attributesMaxKeys} attributes, which no schema of the patch alone can state.`,
  });
export type UserPatch = z.infer<typeof UserPatch>;

/** A stored user as the API returns it. */
export const User = z.strictObject({
  userId: z.uuid(),
  email: z.email({ pattern: EMAIL_PATTERN }).register(z.globalRegistry, {
    description: "Trimmed and lower-cased.",
    pattern: EMAIL_PATTERN.source,
    maxLength: userLimits.emailMaxLength,
  }),
  name: z.string(),
  phone: z.optional(z.string()),
  attributes: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.minimum(1)),
});
export type User = z.infer<typeof User>;

export const UserId = z.uuid("must be a user id (UUID)");

/**
 * A query value of 1 to 3 decimal digits as a number ("1e1", " 5" and "0x10"
 * are not). A transform, so JSON Schema describes the number after it.
 */
const decimalDigits = (message: string) =>
  z.transform((value: string, payload) => {
    if (!/^[0-9]{1,3}$/.test(value)) payload.issues.push({ code: "custom", message, input: value });
    return Number(value);
  });

/** What a cursor looks like: the form `encodeCursor` gives it, two base64url parts. */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Query string of GET /users. */
export const ListUsersQuery = z.strictObject({
  limit: z
    ._default(
      z.pipe(
        decimalDigits(`must be an integer from 1 to ${userLimits.pageSizeMax}`),
        z.int().check(z.minimum(1, "must be at least 1"), z.maximum(userLimits.pageSizeMax, `must be at most ${userLimits.pageSizeMax}`)),
      ),
      userLimits.pageSizeDefault,
    )
    .register(z.globalRegistry, {
      description: `How many users to return, from 1 to ${userLimits.pageSizeMax}, in decimal digits.`,
      // zod leaves defaults out of a transform's input schema; the document (zod-openapi) adds it back.
      override: { default: userLimits.pageSizeDefault },
    }),
  cursor: z.optional(z.string().check(z.minLength(1, "must not be empty"), z.maxLength(userLimits.cursorMaxLength, "is too long"))).register(z.globalRegistry, {
    description:
      "The nextCursor of the previous page, to read the page after it. Cursors are signed: a value this API did not " +
      "issue is a 400 even when it has the form the pattern states.",
    pattern: CURSOR_PATTERN.source,
  }),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserPage = z.strictObject({
  items: z.array(User),
  nextCursor: z.nullable(z.string()).register(z.globalRegistry, { description: "Where the next page starts; null on the last page." }),
});
export type UserPage = z.infer<typeof UserPage>;
