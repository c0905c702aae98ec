import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  Conflict,
  Forbidden,
  IdempotencyKeyReused,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  RequestInProgress,
  UserInput,
  UserPatch,
  ValidationFailed,
  etagOf,
  gatewayResponses,
  problemTypes,
  documentationPaths,
  encodeCursor,
  routeList,
  userLimits,
  type DomainError,
  type DomainErrorKind,
  type ProblemStatus,
} from "@users-api/core";
import { openApiDocument, type oas31 } from "@users-api/core/api/openapi";
import { responseForError } from "../../packages/functions/src/http/response.js";
import { documentSchemas } from "./helpers/response-validator.js";

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => join(repositoryRoot, "node_modules/.bin", name);
const workDir = mkdtempSync(join(tmpdir(), "users-api-openapi-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const document = openApiDocument();
const schemas = documentSchemas(document);
const paths = document.paths ?? {};
const operations = Object.entries(paths).flatMap(([path, methods]) =>
  (["get", "put", "post", "delete", "patch"] as const)
    .filter((method) => methods[method] !== undefined)
    .map((method) => ({ path, method: method.toUpperCase(), operation: methods[method] as oas31.OperationObject })),
);
const userOperations = operations.filter(({ operation }) => operation.tags?.includes("users"));
const responsesOf = (operation: oas31.OperationObject) => (operation.responses ?? {}) as Record<string, oas31.ResponseObject>;
const operationOf = (path: string, method: string) => paths[path]?.[method.toLowerCase() as "get"];
const problemStatusesOf = (operation: oas31.OperationObject) =>
  Object.entries(responsesOf(operation))
    .filter(([, response]) => response.content?.["application/problem+json"] !== undefined)
    .map(([status]) => Number(status));

describe("the OpenAPI document", () => {
  it("passes Redocly's lint, recommended rules as errors, with no problem at all", async () => {
    const file = join(workDir, "lint.json");
    writeFileSync(file, JSON.stringify(document));
    const output = await run(bin("redocly"), ["lint", "--config", join(repositoryRoot, "test/openapi/redocly.yaml"), "--format", "json", file], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off" },
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(output.stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("documents exactly the routes of routeList as the users operations", () => {
    expect(userOperations.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(routeList.map(({ method, path }) => `${method} ${path}`).sort());
  });

  it.each(routeList)("documents $method $path as $operation, callable with the $scope scope only", (route) => {
    const operation = operationOf(route.path, route.method);
    expect(operation?.operationId).toBe(route.operation);
    expect(operation?.security).toEqual([{ ApiKey: [route.scope] }]);
    expect(document.components?.securitySchemes?.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "x-api-key" });
  });

  it("documents the documents served beside the API as needing no key, and says only the users operations need one", () => {
    expect(
      Object.values(documentationPaths).map((path) => ({ path, security: operationOf(path, "GET")?.security, tags: operationOf(path, "GET")?.tags })),
    ).toEqual(Object.values(documentationPaths).map((path) => ({ path, security: [], tags: ["documentation"] })));
    expect(operations.filter(({ operation }) => operation.security === undefined)).toEqual([]);
    expect(document.info.description).toContain("Every users operation needs an API key");
    expect(document.info.description).not.toMatch(/every request needs/i);
  });

  it.each(routeList)("documents on $operation every status API Gateway or any handler can answer", (route) => {
    const operation = operationOf(route.path, route.method);
    expect(operation && problemStatusesOf(operation)).toEqual(expect.arrayContaining([401, 403, 413, 429, 500, 502, 503, 504]));
  });

  it("documents every problem status the API can produce, and no other", () => {
    const oneOfEachKind: Record<DomainErrorKind, DomainError> = {
      ValidationFailed: new ValidationFailed("invalid"),
      NotFound: new NotFound("absent"),
      Conflict: new Conflict("taken"),
      PreconditionFailed: new PreconditionFailed("stale"),
      PayloadTooLarge: new PayloadTooLarge("large"),
      IdempotencyKeyReused: new IdempotencyKeyReused("reused"),
      RequestInProgress: new RequestInProgress("running"),
      Forbidden: new Forbidden("scope"),
    };
    const throttled = Object.assign(new Error("slow down"), { name: "ThrottlingException" });
    const producible = new Set([
      ...Object.values(oneOfEachKind).map((error) => responseForError(error)?.statusCode),
      responseForError(throttled)?.statusCode,
      // httpHandler answers anything else with 500.
      500,
      ...Object.values(gatewayResponses).map(({ status }) => status),
    ]);
    const documented = new Set(userOperations.flatMap(({ operation }) => problemStatusesOf(operation)));
    expect([...documented].sort()).toEqual([...producible].sort());
  });

  it("pins every problem response to the type, title and status problem.ts gives its status", () => {
    for (const { operation } of operations) {
      for (const status of problemStatusesOf(operation)) {
        const schema = responsesOf(operation)[String(status)]?.content?.["application/problem+json"]?.schema;
        const { type, title } = problemTypes[status as ProblemStatus];
        expect(schema).toEqual({
          allOf: [
            { $ref: "#/components/schemas/Problem" },
            { type: "object", properties: { type: { const: type }, title: { const: title }, status: { const: status } } },
          ],
        });
      }
    }
  });

  it("requires Retry-After on every 503 and allows it on the 409 of a create still in progress", () => {
    for (const { operation } of userOperations) {
      expect(responsesOf(operation)["503"]?.headers?.["Retry-After"]).toEqual({ $ref: "#/components/headers/RetryAfter" });
    }
    expect(responsesOf(paths["/users"]?.post ?? { responses: {} })["409"]?.headers?.["Retry-After"]).toMatchObject({ required: false });
  });

  it.each(["replaceUser", "patchUser", "deleteUser"])("allows Retry-After on the 409 of %s (the user changed too often)", (name) => {
    const { operation } = userOperations.find(({ operation }) => operation.operationId === name)!;
    expect(responsesOf(operation)["409"]?.headers?.["Retry-After"]).toMatchObject({ required: false });
    expect(responsesOf(operation)["409"]?.description).toContain("changed too often");
  });

  it("documents If-Match on GET /users/{userId}, with its 412 and 400", () => {
    const operation = operationOf("/users/{userId}", "GET")!;
    expect(operation.parameters).toContainEqual({ $ref: "#/components/parameters/IfMatch" });
    expect(problemStatusesOf(operation)).toEqual(expect.arrayContaining([400, 412]));
  });

  it.each([...new Set(routeList.map(({ path }) => path))])("says on %s that any other method gets 405 with the Allow it sends", (path) => {
    const methods = routeList.filter((route) => route.path === path).map((route) => route.method);
    expect(paths[path]?.description).toBe(
      `Any other method gets 405 (a problem document) with \`Allow: ${[...methods, "OPTIONS"].join(", ")}\`, with or without an API key.`,
    );
    expect(document.info.description).toContain("a method its resource lacks gets 405 with an `Allow` header");
  });

  it("describes ETag in the form etagOf gives it", () => {
    const validate = schemas.validatorAt("/components/headers/ETag/schema");
    expect([1, 2, 40, Number.MAX_SAFE_INTEGER].map((version) => validate(etagOf(version)))).toEqual([true, true, true, true]);
    expect(validate('W/"1"')).toBe(false);
  });

  it("uses the given serverUrl as its only server", () => {
    expect(openApiDocument({ serverUrl: "http://127.0.0.1:3000" }).servers).toEqual([{ url: "http://127.0.0.1:3000", description: "This API." }]);
  });
});

describe("request bodies in the document", () => {
  const userInput = schemas.validatorAt("/components/schemas/UserInput");
  const userPatch = schemas.validatorAt("/components/schemas/UserPatch");
  const attributes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index]));
  const user = (fields: Record<string, unknown>) => ({ email: "a@example.com", name: "A", ...fields });

  it.each([
    { name: "a minimal user", body: { email: "ada@example.com", name: "Ada" }, valid: true },
    {
      name: "a user with every field",
      body: { email: "ada@example.com", name: "Ada", phone: "+441234567890", attributes: { plan: "pro", seats: 3, beta: true } },
      valid: true,
    },
    { name: "an unknown field", body: user({ role: "admin" }), valid: false },
    { name: "a missing name", body: { email: "ada@example.com" }, valid: false },
    { name: "an email that is not a string", body: user({ email: 42 }), valid: false },
    { name: "an email with a Kelvin sign", body: user({ email: "\u212Aelvin@example.com" }), valid: false },
    { name: "an email without a dot in its domain", body: user({ email: "ada@example" }), valid: false },
    { name: "a name of only whitespace", body: user({ name: " \t " }), valid: false },
    { name: "a name of 200 emoji", body: user({ name: "🙂".repeat(userLimits.nameMaxLength) }), valid: true },
    { name: "a name of 201 characters", body: user({ name: "x".repeat(userLimits.nameMaxLength + 1) }), valid: false },
    { name: "a phone that is not E.164", body: user({ phone: "12345" }), valid: false },
    { name: "the most attributes", body: user({ attributes: attributes(userLimits.attributesMaxKeys) }), valid: true },
    { name: "one attribute too many", body: user({ attributes: attributes(userLimits.attributesMaxKeys + 1) }), valid: false },
    { name: "an empty attribute key", body: user({ attributes: { "": 1 } }), valid: false },
    { name: "an attribute key too long", body: user({ attributes: { ["k".repeat(65)]: 1 } }), valid: false },
    { name: "an attribute key __proto__", body: user({ attributes: JSON.parse('{"__proto__":1}') as unknown }), valid: false },
    { name: "an attribute key constructor", body: user({ attributes: { constructor: 1 } }), valid: true },
    {
      name: "an attribute value of the most characters, counted as code points",
      body: user({ attributes: { emoji: "😀".repeat(userLimits.attributeValueMaxLength) } }),
      valid: true,
    },
    { name: "an attribute value too long", body: user({ attributes: { text: "x".repeat(userLimits.attributeValueMaxLength + 1) } }), valid: false },
    { name: "a nested attribute value", body: user({ attributes: { nested: { a: 1 } } }), valid: false },
    { name: "a null attribute value", body: user({ attributes: { gone: null } }), valid: false },
    { name: "an attribute number of 2^53 - 1", body: user({ attributes: { n: Number.MAX_SAFE_INTEGER } }), valid: true },
    { name: "an attribute number of -(2^53)", body: user({ attributes: { n: -(2 ** 53) } }), valid: false },
    { name: "an attribute number of 1e-130", body: user({ attributes: { n: 1e-130 } }), valid: true },
    { name: "an attribute number of -1e-131", body: user({ attributes: { n: -1e-131 } }), valid: false },
    { name: "an attribute number of 0", body: user({ attributes: { n: 0 } }), valid: true },
  ])("judges $name as the API's zod schema does", ({ body, valid }) => {
    expect({ zod: UserInput.safeParse(body).success, document: userInput(body) }).toEqual({ zod: valid, document: valid });
  });

  describe("the one email rule, name rule and phone rule", () => {
    const label = fc.oneof(
      fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
      fc.constantFrom("", "-b", "b-", "b".repeat(63), "b".repeat(64), "x_y", "ü", "B-C"),
    );
    const local = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_'+.-]{1,66}$/),
      fc.constantFrom("a".repeat(64), "a".repeat(65), ".a", "a.", "a..b", "o'brien", "a b", ""),
    );
    const topLevel = fc.oneof(fc.stringMatching(/^[a-z]{1,65}$/), fc.constantFrom("com", "c0", "c".repeat(63), "c".repeat(64)));
    const email = fc
      .tuple(local, fc.array(label, { minLength: 0, maxLength: 4 }), topLevel)
      .map(([localPart, labels, last]) => `${localPart}@${[...labels, last].join(".")}`);
    /** Strings of any code points, and the characters the name rule is about, mixed. */
    const special = fc.constantFrom(
      "\u0000",
      "\u0007",
      "\u007f",
      "\u0085",
      "\u202a",
      "\u202e",
      "\u2066",
      "\u2069",
      "\u200b",
      "\u200d",
      "\u3164",
      "\u0301",
      "\ufeff",
      "\ufe0f",
      "\u00ad",
      " ",
      "\u00a0",
      "\n",
    );
    const nameText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.array(fc.oneof(special, fc.constantFrom("A", "é", "李", "-", "🙂")), { maxLength: 8 }).map((parts) => parts.join("")),
      fc.array(special, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
    );
    const phone = fc.oneof(fc.stringMatching(/^\+[0-9]{7,16}$/), fc.constantFrom("+0000000000", "+01234567890", "+10000000000"));
    const padded = (value: string) => value !== value.trim();

    it.each([
      ["a label ending with a hyphen", "a@b-.com", false],
      ["a label starting with a hyphen", "a@-b.com", false],
      ["a label of 64 characters", `a@${"b".repeat(64)}.com`, false],
      ["a label of 63 characters", `a@${"b".repeat(63)}.com`, true],
      ["a local part of 65 characters", `${"a".repeat(65)}@example.com`, false],
      ["a local part of 64 characters", `${"a".repeat(64)}@example.com`, true],
    ])("judges an email with %s as the API does", (_, address, valid) => {
      const body = user({ email: address });
      expect({ zod: UserInput.safeParse(body).success, document: userInput(body) }).toEqual({ zod: valid, document: valid });
    });

    it.each([
      ["NUL", "Ada\u0000"],
      ["BEL", "A\u0007da"],
      ["a right-to-left override", "Ada\u202E"],
      ["an isolate", "\u2066Ada\u2069"],
      ["only a zero-width space", "\u200B"],
      ["only a Hangul filler", "\u3164"],
      ["a lone surrogate", "Ada\uD800"],
    ])("refuses a name with %s, as the API does", (_, name) => {
      expect({ zod: UserInput.safeParse(user({ name })).success, document: userInput(user({ name })) }).toEqual({ zod: false, document: false });
    });

    it("refuses the phone +0000000000, as the API does", () => {
      expect({ zod: UserInput.safeParse(user({ phone: "+0000000000" })).success, document: userInput(user({ phone: "+0000000000" })) }).toEqual({
        zod: false,
        document: false,
      });
    });

    it("accepts every email the API accepts and refuses every one it refuses (not padded with whitespace)", () => {
      fc.assert(
        fc.property(email, (address) => UserInput.safeParse(user({ email: address })).success === userInput(user({ email: address }))),
        { numRuns: 2000 },
      );
    });

    it("accepts every name the API accepts as sent, and refuses every name it refuses", () => {
      fc.assert(
        fc.property(nameText, (name) => {
          const api = UserInput.safeParse(user({ name })).success;
          const document = userInput(user({ name }));
          // The documented exception: the API trims what surrounds a name before it checks it.
          return padded(name) ? api || !document : api === document;
        }),
        { numRuns: 3000 },
      );
    });

    it("judges every phone as the API does", () => {
      fc.assert(
        fc.property(phone, (number) => UserInput.safeParse(user({ phone: number })).success === userInput(user({ phone: number }))),
        { numRuns: 500 },
      );
    });

    it("describes a stored email in a response with the same rule", () => {
      const validateUser = schemas.validatorAt("/components/schemas/User");
      const stored = (address: string) => ({
        userId: "0b6c2f1e-2a8e-4c1e-9d59-5a1f0a3e4b7c",
        email: address,
        name: "Ada",
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
        version: 1,
      });
      expect([validateUser(stored(`${"a".repeat(64)}@${"b".repeat(63)}.com`)), validateUser(stored("a@b-.com"))]).toEqual([true, false]);
    });
  });

  it.each([
    ["an email", { email: " ada@example.com " }],
    ["a name", { name: ` ${"x".repeat(userLimits.nameMaxLength)} ` }],
  ])("is stricter than the API, as its description says, only for %s padded with whitespace", (_, fields) => {
    expect({ zod: UserInput.safeParse(user(fields)).success, document: userInput(user(fields)) }).toEqual({ zod: true, document: false });
  });

  /** Users the way clients build them, valid and not; whitespace around an email or a long name is the documented exception. */
  const text = (minLength: number, maxLength: number) => fc.string({ unit: "grapheme", minLength, maxLength });
  const userBody = fc.record(
    {
      email: fc.oneof(
        fc
          .tuple(fc.stringMatching(/^[A-Za-z0-9._%+'-]{1,30}$/), fc.constantFrom("example.com", "mail.example.org", "example", "x.c0"))
          .map(([local, domain]) => `${local}@${domain}`),
        fc.emailAddress(),
        text(0, 20),
      ),
      name: fc.oneof(text(0, userLimits.nameMaxLength + 2), fc.constantFrom("", " ", "\t\n")),
      phone: fc.stringMatching(/^\+?[0-9]{7,16}$/),
      attributes: fc.dictionary(
        text(0, userLimits.attributeKeyMaxLength + 1),
        fc.oneof(
          text(0, userLimits.attributeValueMaxLength + 1),
          fc.integer(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e-130, 1e-131, -1e-200),
          fc.boolean(),
          fc.constant(null),
        ),
        { maxKeys: userLimits.attributesMaxKeys + 1 },
      ),
      role: fc.constant("admin"),
    },
    { requiredKeys: [] },
  );

  it("judges every user body as the API's zod schema does", () => {
    fc.assert(
      fc.property(userBody, (candidate) => UserInput.safeParse(candidate).success === userInput(candidate)),
      { numRuns: 500 },
    );
  });

  const patchBody = fc.record(
    {
      email: fc.oneof(fc.emailAddress(), text(0, 20), fc.constant(null)),
      name: fc.oneof(text(0, userLimits.nameMaxLength + 2), fc.constant(null)),
      phone: fc.oneof(fc.stringMatching(/^\+?[0-9]{7,16}$/), fc.constant(null)),
      attributes: fc.oneof(
        fc.constant(null),
        fc.jsonValue(),
        fc.dictionary(
          text(0, userLimits.attributeKeyMaxLength + 1),
          fc.oneof(text(0, 30), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.jsonValue()),
        ),
      ),
      userId: fc.uuid(),
    },
    { requiredKeys: [] },
  );

  it("judges every patch as the API's zod schema does", () => {
    fc.assert(
      fc.property(patchBody, (candidate) => UserPatch.safeParse(candidate).success === userPatch(candidate)),
      { numRuns: 500 },
    );
  });
});

describe("parameters and headers in the document", () => {
  it("describes limit as an integer from 1 to 100, 20 when absent", () => {
    const limit = operationOf("/users", "GET")?.parameters?.find((parameter) => "name" in parameter && parameter.name === "limit");
    expect(limit).toMatchObject({ in: "query", schema: { type: "integer", minimum: 1, maximum: userLimits.pageSizeMax, default: userLimits.pageSizeDefault } });
    expect(limit).not.toHaveProperty("required", true);
  });

  it("describes the cursor in the form encodeCursor gives it", () => {
    const cursor = operationOf("/users", "GET")?.parameters?.find((parameter) => "name" in parameter && parameter.name === "cursor") as oas31.ParameterObject;
    const issued = encodeCursor({ pk: "USER#1", sk: "USER#1", listPk: "USERS", listSk: "2026-01-01T00:00:00.000Z#1" }, "secret");
    expect(new RegExp((cursor.schema as oas31.SchemaObject).pattern ?? "", "u").test(issued)).toBe(true);
  });
});

describe("pnpm openapi", () => {
  it("writes the document to --out, with --server-url as its server", async () => {
    const out = join(workDir, "written.json");
    await run(bin("tsx"), ["scripts/openapi.ts", "--out", out, "--server-url", "http://127.0.0.1:4000"], { cwd: repositoryRoot });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(openApiDocument({ serverUrl: "http://127.0.0.1:4000" }));
  });
});
