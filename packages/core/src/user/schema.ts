import * as z from "../zod.js";

/** Limits of the user contract, shared by validation, docs and tests. */
export const userLimits = {
  emailMaxLength: 254,
  nameMaxLength: 200,
  attributesMaxKeys: 50,
  attributeKeyMaxLength: 64,
  attributeValueMaxLength: 1024,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

/**
 * Numbers DynamoDB stores and the SDK marshals and reads back without loss:
 * magnitudes up to 2^53 - 1 (the SDK refuses larger ones), and none below
 * DynamoDB's smallest, 1e-130, except 0.
 */
export const numberLimits = { maxMagnitude: Number.MAX_SAFE_INTEGER, minNonZeroMagnitude: 1e-130 } as const;

const isStorableNumber = (value: number) =>
  Number.isFinite(value) &&
  Math.abs(value) <= numberLimits.maxMagnitude &&
  (value === 0 || Math.abs(value) >= numberLimits.minNonZeroMagnitude);

/** Counts characters as Unicode code points, so an emoji counts once. */
const codePoints = (value: string) => [...value].length;

/** A string that is valid Unicode (no lone surrogates), as DynamoDB requires. */
const text = () => z.string().check(z.refine((value) => value.isWellFormed(), "must be valid Unicode text"));

/** Checked as the client sent it (trimmed), then stored lower-cased: the check never sees what case folding makes of it. */
export const Email = z.pipe(
  text().check(z.trim(), z.maxLength(userLimits.emailMaxLength, `must be at most ${userLimits.emailMaxLength} characters`)),
  z.email("must be a valid email address").check(z.toLowerCase()),
);

export const Name = text().check(
  z.trim(),
  z.refine((value) => codePoints(value) >= 1, "must not be empty"),
  z.refine((value) => codePoints(value) <= userLimits.nameMaxLength, `must be at most ${userLimits.nameMaxLength} characters`),
);

export const Phone = z.string().check(z.regex(/^\+[0-9]{8,15}$/, "must be E.164: '+' then 8 to 15 digits"));

export const AttributeValue = z.union(
  [
    text().check(
      z.refine(
        (value) => codePoints(value) <= userLimits.attributeValueMaxLength,
        `string values must be at most ${userLimits.attributeValueMaxLength} characters`,
      ),
    ),
    z
      .number()
      .check(
        z.refine(
          isStorableNumber,
          `numbers must be finite, at most 2^53 - 1 (${numberLimits.maxMagnitude}) in magnitude, and 0 or at least ${numberLimits.minNonZeroMagnitude} in magnitude`,
        ),
      ),
    z.boolean(),
  ],
  // Without it a nested object or array reports only "Invalid input".
  { error: "must be a string, a number or a boolean" },
);
export type AttributeValue = z.infer<typeof AttributeValue>;

/**
 * zod's record skips a `__proto__` key without a word, and JavaScript objects
 * (and the AWS SDK's marshalling) cannot hold it as data: refuse it by name.
 * A transform, so the record stays what JSON Schema describes.
 */
const refuseProtoKey = z.transform((value: unknown, payload) => {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    payload.issues.push({ code: "custom", message: "keys must not be __proto__", path: ["__proto__"], input: value });
  }
  return value;
});

export const Attributes = z.pipe(
  refuseProtoKey,
  z
    .record(
      text().check(
        z.refine((key) => {
          const length = codePoints(key);
          return length >= 1 && length <= userLimits.attributeKeyMaxLength;
        }, `keys must be 1 to ${userLimits.attributeKeyMaxLength} characters`),
      ),
      AttributeValue,
    )
    .check(
      z.refine((value) => Object.keys(value).length <= userLimits.attributesMaxKeys, `must have at most ${userLimits.attributesMaxKeys} keys`),
    ),
);

/** Body of POST /users and PUT /users/{userId}. */
export const UserInput = z.strictObject({
  email: Email,
  name: Name,
  phone: z.optional(Phone),
  attributes: z.optional(Attributes),
});
export type UserInput = z.infer<typeof UserInput>;

/**
 * Body of PATCH /users/{userId}: a JSON merge patch (RFC 7396). Only the
 * shape is checked here; the patched result is validated with {@link UserInput}.
 */
export const UserPatch = z.strictObject({
  email: z.optional(z.unknown()),
  name: z.optional(z.unknown()),
  phone: z.optional(z.unknown()),
  attributes: z.optional(z.unknown()),
});
export type UserPatch = z.infer<typeof UserPatch>;

/** A stored user as the API returns it. */
export const User = z.strictObject({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  phone: z.optional(z.string()),
  attributes: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.minimum(1)),
});
export type User = z.infer<typeof User>;

export const UserId = z.uuid("must be a user id (UUID)");

/** Query string of GET /users. */
export const ListUsersQuery = z.strictObject({
  limit: z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^[0-9]{1,3}$/, `must be an integer from 1 to ${userLimits.pageSizeMax}`)), z.transform(Number)),
      z.number().check(z.minimum(1, "must be at least 1"), z.maximum(userLimits.pageSizeMax, `must be at most ${userLimits.pageSizeMax}`)),
    ),
    userLimits.pageSizeDefault,
  ),
  cursor: z.optional(z.string().check(z.minLength(1, "must not be empty"), z.maxLength(2048, "is too long"))),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserPage = z.strictObject({
  items: z.array(User),
  nextCursor: z.nullable(z.string()),
});
export type UserPage = z.infer<typeof UserPage>;
