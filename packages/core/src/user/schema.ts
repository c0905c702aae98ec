import { z } from "zod";

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

/** DynamoDB numbers: magnitudes it stores exactly and the SDK marshals without loss. */
const isStorableNumber = (value: number) =>
  Number.isFinite(value) &&
  (Number.isSafeInteger(value) || (Math.abs(value) <= Number.MAX_SAFE_INTEGER && Math.abs(value) >= 1e-130));

/** Counts characters as Unicode code points, so an emoji counts once. */
const codePoints = (value: string) => [...value].length;

/** A string that is valid Unicode (no lone surrogates), as DynamoDB requires. */
const text = () => z.string().refine((value) => value.isWellFormed(), "must be valid Unicode text");

export const Email = text()
  .trim()
  .toLowerCase()
  .max(userLimits.emailMaxLength, `must be at most ${userLimits.emailMaxLength} characters`)
  .pipe(z.email("must be a valid email address"));

export const Name = text()
  .trim()
  .refine((value) => codePoints(value) >= 1, "must not be empty")
  .refine((value) => codePoints(value) <= userLimits.nameMaxLength, `must be at most ${userLimits.nameMaxLength} characters`);

export const Phone = z.string().regex(/^\+[0-9]{8,15}$/, "must be E.164: '+' then 8 to 15 digits");

export const AttributeValue = z.union(
  [
    text().refine((value) => codePoints(value) <= userLimits.attributeValueMaxLength, {
      message: `string values must be at most ${userLimits.attributeValueMaxLength} characters`,
    }),
    z.number().refine(isStorableNumber, "numbers must be finite, at most 2^53 in magnitude and not smaller than 1e-130"),
    z.boolean(),
  ],
  // Without it a nested object or array reports only "Invalid input".
  { error: "must be a string, a number or a boolean" },
);
export type AttributeValue = z.infer<typeof AttributeValue>;

/**
 * zod's record skips a `__proto__` key without a word, and JavaScript objects
 * (and the AWS SDK's marshalling) cannot hold it as data: refuse it by name.
 */
const withoutProtoKey = z.unknown().superRefine((value, ctx) => {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    ctx.addIssue({ code: "custom", message: "keys must not be __proto__", path: ["__proto__"], input: value });
  }
});

export const Attributes = z.pipe(
  withoutProtoKey,
  z.record(
    text().refine((key) => {
      const length = codePoints(key);
      return length >= 1 && length <= userLimits.attributeKeyMaxLength;
    }, `keys must be 1 to ${userLimits.attributeKeyMaxLength} characters`),
    AttributeValue,
  ).refine((value) => Object.keys(value).length <= userLimits.attributesMaxKeys, {
    message: `must have at most ${userLimits.attributesMaxKeys} keys`,
  }),
);

/** Body of POST /users and PUT /users/{userId}. */
export const UserInput = z.strictObject({
  email: Email,
  name: Name,
  phone: Phone.optional(),
  attributes: Attributes.optional(),
});
export type UserInput = z.infer<typeof UserInput>;

/**
 * Body of PATCH /users/{userId}: a JSON merge patch (RFC 7396). Only the
 * shape is checked here; the patched result is validated with {@link UserInput}.
 */
export const UserPatch = z.strictObject({
  email: z.unknown().optional(),
  name: z.unknown().optional(),
  phone: z.unknown().optional(),
  attributes: z.unknown().optional(),
});
export type UserPatch = z.infer<typeof UserPatch>;

/** A stored user as the API returns it. */
export const User = z.strictObject({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  phone: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().min(1),
});
export type User = z.infer<typeof User>;

export const UserId = z.uuid("must be a user id (UUID)");

/** Query string of GET /users. */
export const ListUsersQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, `must be an integer from 1 to ${userLimits.pageSizeMax}`)
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(userLimits.pageSizeMax, `must be at most ${userLimits.pageSizeMax}`))
    .default(userLimits.pageSizeDefault),
  cursor: z.string().min(1, "must not be empty").max(2048, "is too long").optional(),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserPage = z.strictObject({
  items: z.array(User),
  nextCursor: z.string().nullable(),
});
export type UserPage = z.infer<typeof UserPage>;
