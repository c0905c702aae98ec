import { MAX_BODY_BYTES, routes } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaContext, proxyEvent } from "../helpers/api-gateway-event.js";
import { bindFunctionsToNewStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type Handlers, type UsersApi } from "../helpers/users-api.js";

let handlers: Handlers;
let api: UsersApi;

beforeAll(async () => {
  await bindFunctionsToNewStage("request-body", { functionId: routes.createUser.id });
  handlers = await importHandlers();
  api = usersApi(handlers);
});

/** POST /users with these bytes as the body, passed base64-encoded as API Gateway passes a JSON body (its binary media types). */
async function createWithBytes(bytes: Buffer, headers: Record<string, string> = {}) {
  const event = proxyEvent(routes.createUser, { body: bytes, headers });
  expect(event).toMatchObject({ body: bytes.toString("base64"), isBase64Encoded: true });
  const result = await handlers.createUser(event, lambdaContext(routes.createUser.id));
  return { status: result.statusCode, headers: result.headers, body: JSON.parse(result.body) as unknown, result };
}

/** `{"email":"…","name":"<name bytes>"}` */
const userBytes = (email: string, name: Buffer) => Buffer.concat([Buffer.from(`{"email":"${email}","name":"`), name, Buffer.from('"}')]);

const emailOf = () => `bytes-${crypto.randomUUID()}@example.com`;

describe("a body that is not valid UTF-8", () => {
  it.each([
    ["a lone continuation byte", Buffer.from([0x80])],
    ["a byte that never occurs in UTF-8", Buffer.from([0xff])],
    ["a truncated sequence", Buffer.from([0xe2, 0x82])],
    ["an overlong encoding of '/'", Buffer.from([0xc0, 0xaf])],
    ["an encoded surrogate", Buffer.from([0xed, 0xa0, 0x80])],
  ])("is refused with 400 when it holds %s, and nothing is stored", async (_, bad) => {
    const email = emailOf();
    const response = await createWithBytes(userBytes(email, Buffer.concat([Buffer.from("Ada "), bad])));
    expect(expectProblem(response, 400)).toEqual({
      type: "/problems/bad-request",
      title: "Bad Request",
      status: 400,
      detail: "The body is not valid UTF-8.",
      errors: [{ path: "body", message: "must be UTF-8 text" }],
    });
    const { items } = (await api.listUsers({ query: { limit: "100" } })).body as { items: { email: string }[] };
    expect(items.map((user) => user.email)).not.toContain(email);
  });

  it("is refused with 400, not 413, at the size limit: the limit counts the bytes sent", async () => {
    const email = emailOf();
    const prefix = userBytes(email, Buffer.alloc(0)).subarray(0, -2);
    const name = Buffer.alloc(MAX_BODY_BYTES - prefix.length - 2, 0xff);
    const body = Buffer.concat([prefix, name, Buffer.from('"}')]);
    expect(body.length).toBe(MAX_BODY_BYTES);
    expect(expectProblem(await createWithBytes(body), 400).detail).toBe("The body is not valid UTF-8.");
  });

  it("accepts valid multi-byte UTF-8 and stores the text exactly", async () => {
    const name = "Zoë 🙂 中文";
    const response = await createWithBytes(userBytes(emailOf(), Buffer.from(name, "utf8")));
    expect(response.status).toBe(201);
    expect(userOf(response).name).toBe(name);
  });
});

describe("a body that is not JSON", () => {
  it("says so in the API's words, never the engine's", async () => {
    const problem = expectProblem(await api.createUser({ body: '{"email": "a@example.com",' }), 400);
    expect(problem.errors).toEqual([{ path: "body", message: "is not valid JSON" }]);
  });

  it.each([
    ["objects", (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`],
    ["arrays", (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`],
  ])("nested thousands deep (%s) gets 400 naming the field, on POST and PATCH", async (_, nested) => {
    const depth = 2500;
    const created = userOf(await api.createUser({ body: newUser() }));
    const post = expectProblem(await api.createUser({ body: `{"email":"deep@example.com","name":"A","attributes":{"deep":${nested(depth)}}}` }), 400);
    const patch = expectProblem(await api.patchUser({ userId: created.userId, body: `{"attributes":{"deep":${nested(depth)}}}` }), 400);
    const unknownField = expectProblem(await api.createUser({ body: `{"email":"deep@example.com","name":"A","deep":${nested(depth)}}` }), 400);
    expect([post.errors, patch.errors, unknownField.errors]).toEqual([
      [{ path: "body.attributes.deep", message: "must be a string, a number or a boolean" }],
      [{ path: "body.attributes.deep", message: "must be a string, a number or a boolean" }],
      [{ path: "body.deep", message: "is not an allowed field" }],
    ]);
  });

  it.each([
    ["objects", 6, (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`],
    ["arrays", 2, (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`],
  ])("nested as deep as 16 KiB allows (%s) gets 400 without an engine message", async (_, bytesPerLevel, nested) => {
    const depth = Math.floor((MAX_BODY_BYTES - 100) / bytesPerLevel);
    for (const body of [
      `{"email":"deep@example.com","name":"A","attributes":{"deep":${nested(depth)}}}`,
      `{"email":"deep@example.com","name":"A","deep":${nested(depth)}}`,
    ]) {
      expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const problem = expectProblem(await api.createUser({ body }), 400);
      expect(problem.errors?.[0]?.path).toMatch(/^body\.(attributes\.)?deep$/);
      expect(JSON.stringify(problem)).not.toMatch(/stack|Maximum|RangeError|SyntaxError|Unexpected/);
    }
  });
});

describe("the Content-Type of a body", () => {
  it.each(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"])("accepts %s", async (contentType) => {
    expect((await api.createUser({ body: newUser(), headers: { "Content-Type": contentType } })).status).toBe(201);
  });

  it("accepts application/merge-patch+json on PATCH", async () => {
    const created = userOf(await api.createUser({ body: newUser() }));
    const response = await api.patchUser({ userId: created.userId, body: { name: "B" }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(response.status).toBe(200);
  });

  it("refuses a merge patch media type where a whole user is sent (POST, PUT)", async () => {
    const problem = expectProblem(await api.createUser({ body: newUser(), headers: { "Content-Type": "application/merge-patch+json" } }), 400);
    expect(problem.errors).toEqual([{ path: "headers.content-type", message: "must be application/json" }]);
  });

  it("names both media types a PATCH may use when it refuses another", async () => {
    const created = userOf(await api.createUser({ body: newUser() }));
    const response = await api.patchUser({ userId: created.userId, body: { name: "B" }, headers: { "Content-Type": "text/plain" } });
    expect(expectProblem(response, 400).errors).toEqual([
      { path: "headers.content-type", message: "must be application/merge-patch+json or application/json" },
    ]);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/vnd.example+json"])(
    "refuses %s with 400: API Gateway passes only JSON media types as bytes, which is how invalid UTF-8 is seen",
    async (contentType) => {
      const problem = expectProblem(await api.createUser({ body: newUser(), headers: { "Content-Type": contentType } }), 400);
      expect(problem.errors).toEqual([{ path: "headers.content-type", message: "must be application/json" }]);
    },
  );

  it("is required with a body: without one, API Gateway would pass the body as text it already decoded", async () => {
    const event = proxyEvent(routes.createUser, { body: newUser() });
    for (const name of Object.keys(event.headers)) if (name.toLowerCase() === "content-type") delete event.headers[name];
    for (const name of Object.keys(event.multiValueHeaders)) if (name.toLowerCase() === "content-type") delete event.multiValueHeaders[name];
    const result = await handlers.createUser(event, lambdaContext(routes.createUser.id));
    const problem = expectProblem({ status: result.statusCode, headers: result.headers, body: JSON.parse(result.body), result }, 400);
    expect(problem.errors).toEqual([{ path: "headers.content-type", message: "must be application/json" }]);
  });
});
