import { describe, expect, it } from "vitest";
import { z } from "zod/mini";
import {
  Conflict,
  DomainError,
  Forbidden,
  IdempotencyKeyReused,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  RequestInProgress,
  ValidationFailed,
} from "../src/errors.js";
import { ListUsersQuery, UserInput } from "../src/user/schema.js";

const zodErrorOf = (schema: z.ZodMiniType, value: unknown): z.core.$ZodError => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the value to be rejected");
  return result.error;
};

describe("ValidationFailed.fromZod", () => {
  it("prefixes field paths with where the value came from", () => {
    const error = ValidationFailed.fromZod(zodErrorOf(UserInput, { email: "nope", name: "Ada" }), "The body is not a valid user.", "body");
    expect(error.message).toBe("The body is not a valid user.");
    expect(error.errors).toEqual([
      {
        path: "body.email",
        message:
          "must be an email address: at most 64 characters before the @ (letters, digits, _ ' + - and single dots between them), then dot-separated domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a hyphen, the last one of 2 or more letters",
      },
    ]);
  });

  it("joins nested paths with dots", () => {
    const error = ValidationFailed.fromZod(
      zodErrorOf(UserInput, { email: "ada@example.com", name: "Ada", attributes: { team: { nested: true } } }),
      "Bad.",
      "body",
    );
    expect(error.errors).toEqual([{ path: "body.attributes.team", message: "must be a string, a number or a boolean" }]);
  });

  it("lists each unknown field on its own path", () => {
    const error = ValidationFailed.fromZod(zodErrorOf(UserInput, { email: "ada@example.com", name: "Ada", role: "admin", userId: "x" }), "Bad.", "body");
    expect(error.errors).toEqual([
      { path: "body.role", message: "is not an allowed field" },
      { path: "body.userId", message: "is not an allowed field" },
    ]);
  });

  it("names an unknown query parameter under query", () => {
    const error = ValidationFailed.fromZod(zodErrorOf(ListUsersQuery, { order: "asc" }), "Bad.", "query");
    expect(error.errors).toEqual([{ path: "query.order", message: "is not an allowed field" }]);
  });

  it("says why a record key is bad instead of zod's generic message", () => {
    const error = ValidationFailed.fromZod(
      zodErrorOf(UserInput, { email: "ada@example.com", name: "Ada", attributes: { ["k".repeat(65)]: 1 } }),
      "Bad.",
      "body",
    );
    expect(error.errors).toEqual([{ path: `body.attributes.${"k".repeat(65)}`, message: "keys must be 1 to 64 characters" }]);
  });

  it("reports every failing field at once", () => {
    const error = ValidationFailed.fromZod(zodErrorOf(UserInput, { email: "nope", name: " ", phone: "123" }), "Bad.", "body");
    expect(error.errors.map((fieldError) => fieldError.path)).toEqual(["body.email", "body.name", "body.phone"]);
  });

  it.each([
    ["the prefix", "body", "body"],
    ["(root) without a prefix", "", "(root)"],
  ])("names a problem with the whole value by %s", (_, prefix, path) => {
    const error = ValidationFailed.fromZod(zodErrorOf(UserInput, "a string"), "Bad.", prefix);
    expect(error.errors).toEqual([{ path, message: expect.any(String) }]);
  });

  it("names unknown fields without a prefix by their own name", () => {
    const error = ValidationFailed.fromZod(zodErrorOf(z.strictObject({}), { extra: 1 }), "Bad.");
    expect(error.errors).toEqual([{ path: "extra", message: "is not an allowed field" }]);
  });
});

describe("domain errors", () => {
  it.each([
    [new ValidationFailed("m"), "ValidationFailed"],
    [new NotFound("m"), "NotFound"],
    [new Conflict("m"), "Conflict"],
    [new PreconditionFailed("m"), "PreconditionFailed"],
    [new PayloadTooLarge("m"), "PayloadTooLarge"],
    [new IdempotencyKeyReused("m"), "IdempotencyKeyReused"],
    [new RequestInProgress("m"), "RequestInProgress"],
    [new Forbidden("m"), "Forbidden"],
  ])("%o is a DomainError of kind and name %s", (error, kind) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe(kind);
    expect(error.name).toBe(kind);
    expect(error.message).toBe("m");
  });

  it("gives a ValidationFailed no field errors unless told", () => {
    expect(new ValidationFailed("m").errors).toEqual([]);
  });
});
