import { randomUUID } from "node:crypto";
import { PROBLEM_CONTENT_TYPE, User, UserPage, bodyMediaTypes, documentationPaths, userLimits } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type ApiResponse, type TestApi } from "../helpers/local-api.js";
import { documentSchemas } from "../../../../test/openapi/helpers/response-validator.js";

/**
 * Each rule the document states, judged alike by the document (its JSON
 * Schema, with ajv) and by the API (through the local API Gateway and the
 * real functions): a value that breaks it is refused by both (the API with a
 * problem document), a value that keeps it is accepted by both.
 */

const document = openApiDocument();
const { validatorAt, errorsText } = documentSchemas(document);

/** JSON pointer segments as a URI fragment needs them. */
const pointer = (...segments: string[]) => segments.map((segment) => `/${segment.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
const queryParameter = (name: string) => {
  const index = (document.paths?.["/users"]?.get?.parameters ?? []).findIndex((parameter) => "name" in parameter && parameter.name === name);
  return `${pointer("paths", "/users", "get", "parameters", String(index))}/schema`;
};

let api: TestApi;
/** A user that exists, for the rules of the path, If-Match and PATCH. */
let existing: User;

beforeAll(async () => {
  api = await startTestApi("openapi-rules", { documents: (url) => ({ [documentationPaths.openApiDocument]: openApiDocument({ serverUrl: url }) }) });
  existing = User.parse((await api.request("POST", "/users", { body: { email: `existing-${randomUUID()}@example.com`, name: "Existing" } })).json);
});
afterAll(() => api?.stop());

const uniqueEmail = () => `rule-${randomUUID()}@example.com`;
const newUser = (fields: Record<string, unknown> = {}) => ({ email: uniqueEmail(), name: "Ada", ...fields });

/** An address of exactly `length` characters, unique to this run. */
function emailOfLength(length: number): string {
  const local = `${randomUUID().replaceAll("-", "")}${"a".repeat(32)}`;
  let domain = "com";
  while (local.length + 1 + domain.length < length) {
    const room = length - (local.length + 1 + domain.length) - 1;
    domain = `${"b".repeat(Math.min(63, Math.max(1, room)))}.${domain}`;
  }
  return `${local}@${domain}`;
}

interface Rule {
  /** The rule, as the document states it. */
  readonly rule: string;
  /** Where the document's schema for the value is. */
  readonly schemaAt: string;
  /** Sends a request carrying the value; returns the value as the schema judges it. */
  readonly send: (value: unknown) => Promise<{ response: ApiResponse; judged: unknown }>;
  readonly accepted: readonly unknown[];
  readonly refused: readonly unknown[];
  /** What the API answers a value that breaks the rule. @default 400 */
  readonly refusedStatus?: number;
  /** Whether the API's status means it took the value. @default any status below 400 */
  readonly tookIt?: (status: number) => boolean;
}

const createWith = (fields: Record<string, unknown>) => async () => {
  const body = { email: uniqueEmail(), name: "Ada", ...fields };
  return { response: await api.request("POST", "/users", { body }), judged: body };
};
const bodyRule = (field: string, accepted: readonly unknown[], refused: readonly unknown[], rule: string): Rule => ({
  rule,
  schemaAt: "/components/schemas/UserInput",
  send: (value) => createWith({ [field]: value })(),
  accepted,
  refused,
});
const attributesRule = (accepted: readonly unknown[], refused: readonly unknown[], rule: string) => bodyRule("attributes", accepted, refused, rule);
const withKey = (key: string, value: unknown) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as unknown;
const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index]));

/** A query value as OpenAPI deserializes it for a schema: a number where it reads as one. */
const asQueryValue = (value: string) => (/^-?[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : value);

const rules: Rule[] = [
  {
    rule: "email: an email address (format and pattern), as sent",
    schemaAt: "/components/schemas/UserInput",
    send: async (value) => {
      const body = { email: typeof value === "string" ? value.replace("ID", randomUUID().slice(0, 8)) : value, name: "Ada" };
      return { response: await api.request("POST", "/users", { body }), judged: body };
    },
    accepted: [
      "ada.ID@example.com",
      "First.Last+ID@Sub.Example.org",
      "o'brien-ID@example.ie",
      "ID_1@x.io",
      `ID${"a".repeat(56)}@example.com`,
      `ID@${"b".repeat(63)}.com`,
    ],
    refused: [
      "adaID",
      "ID@example",
      "ID@@example.com",
      "ada ID@example.com",
      "\u212AelvinID@example.com",
      ".ID@example.com",
      "a..ID@example.com",
      "ID@example.c",
      "ID@b-.com",
      "ID@-b.com",
      `ID${"a".repeat(57)}@example.com`,
      `ID@${"b".repeat(64)}.com`,
      42,
      null,
    ],
  },
  {
    rule: `email: at most ${userLimits.emailMaxLength} characters`,
    schemaAt: "/components/schemas/UserInput",
    send: async (value) => {
      const body = { email: emailOfLength(value as number), name: "Ada" };
      return { response: await api.request("POST", "/users", { body }), judged: body };
    },
    accepted: [userLimits.emailMaxLength],
    refused: [userLimits.emailMaxLength + 1],
  },
  bodyRule(
    "name",
    ["A", "Ada Lovelace", "x".repeat(userLimits.nameMaxLength), "🙂".repeat(userLimits.nameMaxLength), " Ada "],
    ["", "   ", "\n\t", "x".repeat(userLimits.nameMaxLength + 1), "Ada\u0000", "Ada\u0007", "Ada\u202E", "\u2066Ada\u2069", "\u200B", "\u3164", 42, null],
    `name: a visible character, no control or bidirectional control characters, at most ${userLimits.nameMaxLength} characters`,
  ),
  bodyRule(
    "phone",
    ["+12345678", "+123456789012345"],
    ["+1234567", "+1234567890123456", "12025550123", "+1 202 555 0123", "+0000000000", "", null],
    "phone: E.164, a non-zero first digit",
  ),
  attributesRule(
    [keys(userLimits.attributesMaxKeys), {}],
    [keys(userLimits.attributesMaxKeys + 1), "flat", []],
    `attributes: at most ${userLimits.attributesMaxKeys} keys`,
  ),
  attributesRule(
    [
      { k: 1 },
      { ["k".repeat(userLimits.attributeKeyMaxLength)]: 1 },
      { ["🙂".repeat(userLimits.attributeKeyMaxLength)]: 1 },
      { constructor: "x" },
      { toString: 1 },
    ],
    [{ "": 1 }, { ["k".repeat(userLimits.attributeKeyMaxLength + 1)]: 1 }, withKey("__proto__", "x")],
    `attribute keys: 1 to ${userLimits.attributeKeyMaxLength} characters, not __proto__`,
  ),
  attributesRule(
    [{ s: "" }, { s: "x".repeat(userLimits.attributeValueMaxLength) }, { s: "😀".repeat(userLimits.attributeValueMaxLength) }, { b: true }],
    [{ s: "x".repeat(userLimits.attributeValueMaxLength + 1) }, { n: null }, { o: { a: 1 } }, { a: [1] }],
    `attribute values: a string of at most ${userLimits.attributeValueMaxLength} characters, a number or a boolean`,
  ),
  attributesRule(
    [{ n: 0 }, { n: 1 }, { n: -1.5 }, { n: Number.MAX_SAFE_INTEGER }, { n: -Number.MAX_SAFE_INTEGER }, { n: 1e-130 }, { n: -1e-130 }, { n: 1.5e-100 }],
    [{ n: 2 ** 53 }, { n: -(2 ** 53) }, { n: 1e300 }, { n: 1e-131 }, { n: -1e-131 }, { n: 5e-324 }],
    "attribute numbers: at most 2^53 - 1 in magnitude and, unless 0, at least 1e-130",
  ),
  {
    rule: "a user body: email and name required, no other fields",
    schemaAt: "/components/schemas/UserInput",
    send: async (value) => ({ response: await api.request("POST", "/users", { body: value }), judged: value }),
    accepted: [{ email: uniqueEmail(), name: "Ada" }],
    refused: [
      { name: "Ada" },
      { email: uniqueEmail() },
      { email: uniqueEmail(), name: "Ada", role: "admin" },
      { email: uniqueEmail(), name: "Ada", userId: "x" },
    ],
  },
  {
    rule: "a merge patch: each value valid as in PUT, or null where a field may be removed",
    schemaAt: "/components/schemas/UserPatch",
    send: async (value) => {
      const patch = JSON.parse(JSON.stringify(value).replace("-ID@", `-${randomUUID()}@`)) as unknown;
      const response = await api.request("PATCH", `/users/${existing.userId}`, { body: patch, headers: { "content-type": "application/merge-patch+json" } });
      return { response, judged: patch };
    },
    accepted: [
      { name: "Patched" },
      { phone: null },
      { phone: "+12345678" },
      { attributes: { a: 1, b: null } },
      { attributes: null },
      { email: "patched-ID@example.com" },
    ],
    refused: [
      { name: null },
      { email: null },
      { name: " " },
      { phone: "1" },
      { attributes: { a: { b: 1 } } },
      { attributes: withKey("__proto__", null) },
      { version: 2 },
    ],
  },
  {
    rule: "limit: an integer from 1 to 100",
    schemaAt: queryParameter("limit"),
    send: async (value) => ({ response: await api.request("GET", `/users?limit=${encodeURIComponent(String(value))}`), judged: asQueryValue(String(value)) }),
    accepted: ["1", "20", String(userLimits.pageSizeMax)],
    refused: ["0", String(userLimits.pageSizeMax + 1), "2.5", "abc", "-1", "1000"],
  },
  {
    rule: "cursor: the form of a cursor this API issued, at most 2048 characters",
    schemaAt: queryParameter("cursor"),
    send: async (value) => {
      const cursor = value === "ISSUED" ? await issuedCursor() : String(value);
      return { response: await api.request("GET", `/users?limit=1&cursor=${encodeURIComponent(cursor)}`), judged: cursor };
    },
    accepted: ["ISSUED"],
    refused: ["", "c".repeat(userLimits.cursorMaxLength + 1), "not a cursor", "a.b.c", "abc="],
  },
  {
    rule: "Idempotency-Key: 1 to 255 visible ASCII characters",
    schemaAt: "/components/parameters/IdempotencyKey/schema",
    send: async (value) => {
      const key = String(value).replace("ID", randomUUID());
      return { response: await api.request("POST", "/users", { body: newUser(), headers: { "idempotency-key": key } }), judged: key };
    },
    accepted: ["ID", `ID${"k".repeat(200)}`, "ID!~"],
    refused: ["", "two words", "clé", "k".repeat(256)],
  },
  {
    rule: "If-Match: * or a list of entity tags",
    schemaAt: "/components/parameters/IfMatch/schema",
    send: async (value) => {
      const response = await api.request("PUT", `/users/${existing.userId}`, { body: newUser(), headers: { "if-match": String(value) } });
      return { response, judged: value };
    },
    accepted: ["*", '"999"', 'W/"1"', '"1", "999"'],
    refused: ["1", '"1" "2"', "W/1", '"1",', '"a b"'],
    // A well-formed tag of another version is taken, and answered 412.
    tookIt: (status) => status === 200 || status === 412,
  },
  {
    rule: "userId: a UUID (any other id names no user: 404)",
    schemaAt: "/components/parameters/UserId/schema",
    send: async (value) => {
      const userId = value === "EXISTING" ? existing.userId : String(value);
      return { response: await api.request("GET", `/users/${encodeURIComponent(userId)}`), judged: userId };
    },
    accepted: ["EXISTING"],
    refused: ["not-a-uuid", "123", "6f1c2d3e-4b5a-0c6d-8e7f-0a1b2c3d4e5f", `${randomUUID()}0`],
    refusedStatus: 404,
  },
];

async function issuedCursor(): Promise<string> {
  await api.request("POST", "/users", { body: newUser() });
  const { nextCursor } = UserPage.parse((await api.request("GET", "/users?limit=1")).json);
  if (!nextCursor) throw new Error("expected a second page");
  return nextCursor;
}

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

describe.each(rules)("the rule $rule", ({ schemaAt, send, accepted, refused, refusedStatus = 400, tookIt = (status) => status < 400 }) => {
  const validate = validatorAt(schemaAt);

  it.each(accepted.map((value) => [shown(value), value]))("is kept by %s: the document and the API accept it", async (_, value) => {
    const { response, judged } = await send(value);
    expect(validate(judged), errorsText(validate)).toBe(true);
    expect(tookIt(response.status), `${response.status} ${response.text}`).toBe(true);
  });

  it.each(refused.map((value) => [shown(value), value]))("is broken by %s: the document and the API refuse it", async (_, value) => {
    const { response, judged } = await send(value);
    expect(validate(judged)).toBe(false);
    expect({ status: response.status, contentType: response.headers.get("content-type") }, response.text).toEqual({
      status: refusedStatus,
      contentType: PROBLEM_CONTENT_TYPE,
    });
  });
});

describe("the If-Match rule beyond syntax", () => {
  it("is a 412, not a 400, for a well-formed tag of another version", async () => {
    const response = await api.request("PUT", `/users/${existing.userId}`, { body: newUser(), headers: { "if-match": '"999"' } });
    expect(response.status).toBe(412);
  });
});

describe("request body media types", () => {
  const documented = (path: string, method: "post" | "patch") => {
    const requestBody = document.paths?.[path]?.[method]?.requestBody;
    return requestBody && "content" in requestBody ? Object.keys(requestBody.content) : [];
  };

  it("are exactly the ones the API accepts, per operation", async () => {
    expect(documented("/users", "post")).toEqual([...bodyMediaTypes.user]);
    expect(documented("/users/{userId}", "patch")).toEqual([...bodyMediaTypes.mergePatch]);
    for (const contentType of ["application/json", "application/merge-patch+json", "text/plain", "application/vnd.example+json"]) {
      const post = await api.request("POST", "/users", { body: newUser(), headers: { "content-type": contentType } });
      const patch = await api.request("PATCH", `/users/${existing.userId}`, { body: { name: "Media" }, headers: { "content-type": contentType } });
      expect({ contentType, post: post.status < 400, patch: patch.status < 400 }).toEqual({
        contentType,
        post: documented("/users", "post").includes(contentType),
        patch: documented("/users/{userId}", "patch").includes(contentType),
      });
    }
  });
});

describe("where the document is stricter than the API, as its descriptions say", () => {
  const userInput = validatorAt("/components/schemas/UserInput");

  it.each([
    ["an email padded with whitespace", () => ({ email: `  ${uniqueEmail()} `, name: "Ada" })],
    ["a name whose whitespace makes it longer than 200", () => ({ email: uniqueEmail(), name: ` ${"x".repeat(userLimits.nameMaxLength)} ` })],
  ])("%s: the API trims it and accepts it, the schema refuses it", async (_, body) => {
    const value = body();
    const response = await api.request("POST", "/users", { body: value });
    expect({ api: response.status, document: userInput(value) }).toEqual({ api: 201, document: false });
  });

  it("a cursor of the right form that this API did not issue: the API refuses it, the schema cannot know", async () => {
    const forged = "eyJwayI6IngifQ.c2lnbmF0dXJl";
    const response = await api.request("GET", `/users?cursor=${forged}`);
    expect({ api: response.status, document: validatorAt(queryParameter("cursor"))(forged) }).toEqual({ api: 400, document: true });
  });
});

describe("the documentation beside the API", () => {
  it("answers GET /openapi.json without a key, as its security: [] says", async () => {
    const response = await api.request("GET", documentationPaths.openApiDocument, { key: null });
    expect(document.paths?.[documentationPaths.openApiDocument]?.get?.security).toEqual([]);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ openapi: "3.1.0", servers: [{ url: api.url }] });
  });

  it("while a users operation without a key is a 401, as its security says", async () => {
    expect(document.paths?.["/users"]?.get?.security).toEqual([{ ApiKey: ["users:read"] }]);
    expect((await api.request("GET", "/users", { key: null })).status).toBe(401);
  });
});
