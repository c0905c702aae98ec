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
  routeList,
  userLimits,
  type DomainError,
  type DomainErrorKind,
  type ProblemStatus,
} from "@users-api/core";
import { openApiDocument, type OperationObject } from "@users-api/core/api/openapi";
import { responseForError } from "../../packages/functions/src/http/response.js";
import { documentSchemas } from "./helpers/response-validator.js";

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => join(repositoryRoot, "node_modules/.bin", name);
const workDir = mkdtempSync(join(tmpdir(), "users-api-openapi-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const document = openApiDocument();
const schemas = documentSchemas(document);
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation: operation as OperationObject })),
);
const problemStatusesOf = (operation: OperationObject) =>
  Object.entries(operation.responses)
    .filter(([, response]) => response.content?.["application/problem+json"] !== undefined)
    .map(([status]) => Number(status));

describe("the OpenAPI document", () => {
  it("passes Redocly's lint, recommended rules as errors, with no problem at all", async () => {
    const file = join(workDir, "lint.json");
    writeFileSync(file, JSON.stringify(document));
    const output = await run(
      bin("redocly"),
      ["lint", "--config", join(repositoryRoot, "test/openapi/redocly.yaml"), "--format", "json", file],
      { env: { ...process.env, REDOCLY_TELEMETRY: "off" } },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(output.stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("documents exactly the routes of routeList", () => {
    expect(operations.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(
      routeList.map(({ method, path }) => `${method} ${path}`).sort(),
    );
  });

  it.each(routeList)("documents $method $path as $operation, callable with the $scope scope only", (route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase() as "get"];
    expect(operation?.operationId).toBe(route.operation);
    expect(operation?.security).toEqual([{ ApiKey: [route.scope] }]);
    expect(document.components.securitySchemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "x-api-key" });
  });

  it.each(routeList)("documents on $operation every status API Gateway or any handler can answer", (route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase() as "get"];
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
    const documented = new Set(operations.flatMap(({ operation }) => problemStatusesOf(operation)));
    expect([...documented].sort()).toEqual([...producible].sort());
  });

  it("pins every problem response to the type, title and status problem.ts gives its status", () => {
    for (const { operation } of operations) {
      for (const status of problemStatusesOf(operation)) {
        const schema = operation.responses[String(status)]?.content?.["application/problem+json"]?.schema;
        const { type, title } = problemTypes[status as ProblemStatus];
        expect(schema).toEqual({
          allOf: [{ $ref: "#/components/schemas/Problem" }, { type: "object", properties: { type: { const: type }, title: { const: title }, status: { const: status } } }],
        });
      }
    }
  });

  it("requires Retry-After on every 503 and allows it on the 409 of a create still in progress", () => {
    for (const { operation } of operations) {
      expect(operation.responses["503"]?.headers?.["Retry-After"]).toEqual({ $ref: "#/components/headers/RetryAfter" });
    }
    expect(document.paths["/users"]?.post?.responses["409"]?.headers?.["Retry-After"]).toMatchObject({ required: false });
  });

  it("describes ETag in the form etagOf gives it", () => {
    const validate = schemas.validatorAt("/components/headers/ETag/schema");
    expect([1, 2, 40, Number.MAX_SAFE_INTEGER].map((version) => validate(etagOf(version)))).toEqual([true, true, true, true]);
    expect(validate('W/"1"')).toBe(false);
  });

  it("uses the given serverUrl as its only server", () => {
    expect(openApiDocument({ serverUrl: "http://127.0.0.1:3000" }).servers).toEqual([
      { url: "http://127.0.0.1:3000", description: "This API." },
    ]);
  });
});

describe("request bodies in the document", () => {
  const userInput = schemas.validatorAt("/components/schemas/UserInput");
  const userPatch = schemas.validatorAt("/components/schemas/UserPatch");
  const attributes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index]));

  it.each([
    { name: "a minimal user", body: { email: "ada@example.com", name: "Ada" }, valid: true },
    {
      name: "a user with every field",
      body: { email: "ada@example.com", name: "Ada", phone: "+441234567890", attributes: { plan: "pro", seats: 3, beta: true } },
      valid: true,
    },
    { name: "an unknown field", body: { email: "ada@example.com", name: "Ada", role: "admin" }, valid: false },
    { name: "a missing name", body: { email: "ada@example.com" }, valid: false },
    { name: "an email that is not a string", body: { email: 42, name: "Ada" }, valid: false },
    { name: "a phone that is not E.164", body: { email: "ada@example.com", name: "Ada", phone: "12345" }, valid: false },
    { name: "the most attributes", body: { email: "a@example.com", name: "A", attributes: attributes(userLimits.attributesMaxKeys) }, valid: true },
    { name: "one attribute too many", body: { email: "a@example.com", name: "A", attributes: attributes(userLimits.attributesMaxKeys + 1) }, valid: false },
    { name: "an empty attribute key", body: { email: "a@example.com", name: "A", attributes: { "": 1 } }, valid: false },
    { name: "an attribute key too long", body: { email: "a@example.com", name: "A", attributes: { ["k".repeat(65)]: 1 } }, valid: false },
    {
      name: "an attribute value of the most characters, counted as code points",
      body: { email: "a@example.com", name: "A", attributes: { emoji: "😀".repeat(userLimits.attributeValueMaxLength) } },
      valid: true,
    },
    {
      name: "an attribute value too long",
      body: { email: "a@example.com", name: "A", attributes: { text: "x".repeat(userLimits.attributeValueMaxLength + 1) } },
      valid: false,
    },
    { name: "a nested attribute value", body: { email: "a@example.com", name: "A", attributes: { nested: { a: 1 } } }, valid: false },
  ])("judges $name as the API's zod schema does", ({ body, valid }) => {
    expect({ zod: UserInput.safeParse(body).success, document: userInput(body) }).toEqual({ zod: valid, document: valid });
  });

  it("never rejects a user body the API accepts", () => {
    const text = (minLength: number, maxLength: number) => fc.string({ unit: "grapheme", minLength, maxLength });
    const body = fc.record(
      {
        email: fc
          .tuple(fc.stringMatching(/^[A-Za-z0-9._%+-]{1,30}$/), fc.constantFrom("example.com", "mail.example.org"), fc.constantFrom("", " "))
          .map(([local, domain, padding]) => `${padding}${local}@${domain}${padding}`),
        name: text(0, userLimits.nameMaxLength + 2),
        phone: fc.stringMatching(/^\+[0-9]{7,16}$/),
        attributes: fc.dictionary(
          text(0, userLimits.attributeKeyMaxLength + 1),
          fc.oneof(text(0, userLimits.attributeValueMaxLength + 1), fc.integer(), fc.double({ noNaN: true }), fc.boolean()),
          { maxKeys: userLimits.attributesMaxKeys + 1 },
        ),
      },
      { requiredKeys: ["email", "name"] },
    );
    const accepted = body.filter((candidate) => UserInput.safeParse(candidate).success);
    fc.assert(
      fc.property(accepted, (candidate) => userInput(candidate)),
      { numRuns: 200 },
    );
  });

  it("judges every patch shape as the API's zod schema does", () => {
    const patch = fc.dictionary(fc.constantFrom("email", "name", "phone", "attributes", "userId", "version"), fc.jsonValue(), {
      maxKeys: 4,
    });
    fc.assert(fc.property(patch, (candidate) => UserPatch.safeParse(candidate).success === userPatch(candidate)), { numRuns: 200 });
  });
});

describe("pnpm openapi", () => {
  it("writes the document to --out, with --server-url as its server", async () => {
    const out = join(workDir, "written.json");
    await run(bin("tsx"), ["scripts/openapi.ts", "--out", out, "--server-url", "http://127.0.0.1:4000"], { cwd: repositoryRoot });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(openApiDocument({ serverUrl: "http://127.0.0.1:4000" }));
  });
});
