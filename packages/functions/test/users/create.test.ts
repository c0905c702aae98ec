import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MAX_BODY_BYTES, routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext, proxyEvent } from "../helpers/api-gateway-event.js";
import { bindFunctionsToNewStage, documentClientFor, type BoundStage } from "../helpers/local-stage.js";
import { expectEveryEmailGuardedOnce, readTable } from "../helpers/table-contents.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type Handlers, type UsersApi, corsHeaders } from "../helpers/users-api.js";

let stage: BoundStage;
let handlers: Handlers;
let api: UsersApi;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("create", { functionId: routes.createUser.id });
  handlers = await importHandlers();
  api = usersApi(handlers);
  table = documentClientFor(stage);
});

afterAll(() => table.destroy());

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("POST /users", () => {
  it("creates a user and answers 201 with Location, ETag and the stored user", async () => {
    const email = `Grace.${crypto.randomUUID()}@Example.COM`;
    const response = await api.createUser({
      body: { email: `  ${email} `, name: " Grace Hopper ", phone: "+12025550123", attributes: { team: "navy", rank: 7, retired: true } },
    });

    expect(response.status).toBe(201);
    const user = userOf(response);
    expect(response.body).toEqual({
      userId: user.userId,
      email: email.toLowerCase(),
      name: "Grace Hopper",
      phone: "+12025550123",
      attributes: { team: "navy", rank: 7, retired: true },
      createdAt: expect.stringMatching(ISO_TIME),
      updatedAt: user.createdAt,
      version: 1,
    });
    expect(response.headers).toEqual({ ...corsHeaders, "content-type": "application/json", location: `/users/${user.userId}`, etag: '"1"' });

    const fetched = await api.getUser({ userId: user.userId });
    expect(fetched.body).toEqual(response.body);
  });

  it("stores a user without phone or attributes without those fields", async () => {
    const body = newUser();
    const response = await api.createUser({ body });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body as object).sort()).toEqual(["createdAt", "email", "name", "updatedAt", "userId", "version"]);
  });

  it("reads a JSON body base64-encoded, as API Gateway passes it (the API's binary media types)", async () => {
    const body = newUser({ name: "Zoë 🙂" });
    const event = proxyEvent(routes.createUser, { body });
    expect(event).toMatchObject({ isBase64Encoded: true, body: Buffer.from(JSON.stringify(body)).toString("base64") });

    const result = await handlers.createUser(event, lambdaContext(routes.createUser.id));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ email: body.email, name: "Zoë 🙂" });
  });

  it("reads a body API Gateway passed as text", async () => {
    const body = newUser();
    const event = { ...proxyEvent(routes.createUser, { body }), body: JSON.stringify(body), isBase64Encoded: false };
    expect((await handlers.createUser(event, lambdaContext(routes.createUser.id))).statusCode).toBe(201);
  });

  describe("rejects a bad request with 400", () => {
    it.each([
      ["malformed JSON", '{"email": "a@example.com",', "The body is not valid JSON."],
      ["an empty body", "", "The request needs a JSON object as its body."],
      ["a JSON array", "[]", "The body must be a JSON object."],
      ["a JSON string", '"ada@example.com"', "The body must be a JSON object."],
      ["a JSON number", "42", "The body must be a JSON object."],
      ["JSON null", "null", "The body must be a JSON object."],
    ])("%s", async (_, body, detail) => {
      const problem = expectProblem(await api.createUser({ body }), 400);
      expect(problem.detail).toBe(detail);
      expect(problem.errors).toEqual([{ path: "body", message: expect.any(String) }]);
    });

    it("an unknown field, naming it", async () => {
      const problem = expectProblem(await api.createUser({ body: newUser({ role: "admin" }) }), 400);
      expect(problem).toEqual({
        type: "/problems/bad-request",
        title: "Bad Request",
        status: 400,
        detail: "The body is not a valid user.",
        errors: [{ path: "body.role", message: "is not an allowed field" }],
      });
    });

    it("invalid fields, listing each with its path and message", async () => {
      const response = await api.createUser({
        body: { email: "not-an-email", name: "   ", phone: "555-0123", attributes: { nested: { no: true }, ["k".repeat(65)]: 1 } },
      });
      expect(expectProblem(response, 400).errors).toEqual([
        {
          path: "body.email",
          message:
            "must be an email address: at most 64 characters before the @ (letters, digits, _ ' + - and single dots between them), then dot-separated domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a hyphen, the last one of 2 or more letters",
        },
        { path: "body.name", message: "must not be empty" },
        { path: "body.phone", message: "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0" },
        { path: "body.attributes.nested", message: "must be a string, a number or a boolean" },
        { path: `body.attributes.${"k".repeat(65)}`, message: "keys must be 1 to 64 characters" },
      ]);
    });

    it("an email that is valid only once lower-cased (a Kelvin sign for K), leaving the address it folds to free", async () => {
      const local = `kelvin-${crypto.randomUUID()}`;
      const problem = expectProblem(await api.createUser({ body: newUser({ email: `\u212A${local.slice(1)}@example.com` }) }), 400);
      expect(problem.errors).toEqual([
        {
          path: "body.email",
          message:
            "must be an email address: at most 64 characters before the @ (letters, digits, _ ' + - and single dots between them), then dot-separated domain labels of 1 to 63 letters, digits or hyphens, none starting or ending with a hyphen, the last one of 2 or more letters",
        },
      ]);
      expect((await api.createUser({ body: newUser({ email: `${local}@example.com` }) })).status).toBe(201);
    });

    it("a number attribute of 2^53, naming the largest it accepts, 2^53 - 1, which is stored exactly", async () => {
      const problem = expectProblem(await api.createUser({ body: newUser({ attributes: { big: 2 ** 53 } }) }), 400);
      expect(problem.errors).toEqual([
        { path: "body.attributes.big", message: expect.stringContaining(`at most 2^53 - 1 (${Number.MAX_SAFE_INTEGER}) in magnitude`) },
      ]);
      const created = await api.createUser({ body: newUser({ attributes: { big: Number.MAX_SAFE_INTEGER, small: -Number.MAX_SAFE_INTEGER } }) });
      expect(created.status).toBe(201);
      expect(userOf(await api.getUser({ userId: userOf(created).userId })).attributes).toEqual({
        big: Number.MAX_SAFE_INTEGER,
        small: -Number.MAX_SAFE_INTEGER,
      });
    });

    it("missing required fields", async () => {
      expect(expectProblem(await api.createUser({ body: {} }), 400).errors).toEqual([
        { path: "body.email", message: expect.any(String) },
        { path: "body.name", message: expect.any(String) },
      ]);
    });

    it("a body that is not JSON by its Content-Type", async () => {
      const response = await api.createUser({ body: newUser(), headers: { "Content-Type": "text/plain" } });
      expect(expectProblem(response, 400).errors).toEqual([{ path: "headers.content-type", message: "must be application/json" }]);
    });
  });

  it("accepts a body of exactly 16 KiB and rejects one byte more with 413", async () => {
    const padded = (bytes: number) => {
      const body = JSON.stringify(newUser({ attributes: { note: "" } }));
      return body.replace('"note":""', `"note":"${"x".repeat(bytes - body.length)}"`);
    };
    // 16 KiB of valid JSON reaches validation (the note is over 1024 characters), so it is a 400, not a 413.
    expectProblem(await api.createUser({ body: padded(MAX_BODY_BYTES) }), 400);
    const tooLarge = expectProblem(await api.createUser({ body: padded(MAX_BODY_BYTES + 1) }), 413);
    expect(tooLarge.detail).toBe(`The body is ${MAX_BODY_BYTES + 1} bytes; the limit is ${MAX_BODY_BYTES} bytes.`);
  });

  it("answers 403 when the API key lacks the users:write scope, and creates nothing", async () => {
    const body = newUser();
    const problem = expectProblem(await api.createUser({ body, scopes: "users:read" }), 403);
    expect(problem.detail).toBe("This API key lacks the users:write scope that POST /users needs.");
    const { emailGuards } = await readTable(table, stage.tableName);
    expect(emailGuards.map((guard) => guard.email)).not.toContain(body.email);
  });

  it("answers 403 when the authorizer context carries no scopes", async () => {
    expectProblem(await api.createUser({ body: newUser(), scopes: "" }), 403);
  });

  it("answers 409 when the email belongs to another user, compared case-insensitively, and writes nothing", async () => {
    const email = `taken-${crypto.randomUUID()}@example.com`;
    const first = await api.createUser({ body: newUser({ email }) });
    expect(first.status).toBe(201);

    const second = await api.createUser({ body: newUser({ email: `  ${email.toUpperCase()}  `, name: "Someone Else" }) });

    const problem = expectProblem(second, 409);
    expect(problem.detail).toBe(`The email address ${email} belongs to another user.`);
    const contents = await readTable(table, stage.tableName);
    expect([...contents.users.values()].filter((user) => user.email === email)).toEqual([
      expect.objectContaining({ userId: userOf(first).userId, name: "Ada Lovelace" }),
    ]);
    expect(contents.emailGuards.filter((guard) => guard.email === email)).toEqual([{ email, userId: userOf(first).userId }]);
    expectEveryEmailGuardedOnce(contents);
  });

  it("lets exactly one of 20 simultaneous creates with one email succeed", async () => {
    const email = `race-${crypto.randomUUID()}@example.com`;

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => api.createUser({ body: newUser({ email, name: `Racer ${i}` }) })));

    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    for (const response of responses.filter((r) => r.status === 409)) expectProblem(response, 409);
    const contents = await readTable(table, stage.tableName);
    const winner = userOf(responses.find((response) => response.status === 201)!);
    expect([...contents.users.values()].filter((user) => user.email === email).map((user) => user.userId)).toEqual([winner.userId]);
    expectEveryEmailGuardedOnce(contents);
  });

  describe("with an Idempotency-Key", () => {
    it("replays the first response for a repeated request and creates one user", async () => {
      const body = newUser();
      const key = crypto.randomUUID();

      const first = await api.createUser({ body, headers: { "Idempotency-Key": key } });
      const replay = await api.createUser({ body, headers: { "Idempotency-Key": key } });

      expect(first.status).toBe(201);
      expect(replay.result).toEqual(first.result);
      const contents = await readTable(table, stage.tableName);
      expect([...contents.users.values()].filter((user) => user.email === body.email)).toHaveLength(1);
    });

    it("treats the same key from two API keys as two requests", async () => {
      const key = crypto.randomUUID();
      const ada = await api.createUser({ body: newUser(), headers: { "Idempotency-Key": key }, keyName: "client-a" });
      const bob = await api.createUser({ body: newUser(), headers: { "Idempotency-Key": key }, keyName: "client-b" });
      expect([ada.status, bob.status]).toEqual([201, 201]);
      expect(userOf(ada).userId).not.toBe(userOf(bob).userId);
    });

    it("answers 422 when the key is reused with a different body, and creates nothing more", async () => {
      const key = crypto.randomUUID();
      const first = await api.createUser({ body: newUser(), headers: { "Idempotency-Key": key } });
      const other = newUser();

      const reused = await api.createUser({ body: other, headers: { "Idempotency-Key": key } });

      expect(first.status).toBe(201);
      expect(expectProblem(reused, 422).detail).toBe("This Idempotency-Key was already used with a different body.");
      const { emailGuards } = await readTable(table, stage.tableName);
      expect(emailGuards.map((guard) => guard.email)).not.toContain(other.email);
    });

    it("does not remember a request that failed, so the client may retry it", async () => {
      const email = `retry-${crypto.randomUUID()}@example.com`;
      const blocker = await api.createUser({ body: newUser({ email }) });
      const key = crypto.randomUUID();
      expectProblem(await api.createUser({ body: newUser({ email }), headers: { "Idempotency-Key": key } }), 409);

      await api.deleteUser({ userId: userOf(blocker).userId });
      const retried = await api.createUser({ body: newUser({ email }), headers: { "Idempotency-Key": key } });

      expect(retried.status).toBe(201);
    });

    it.each([
      ["empty", ""],
      ["containing a space", "two words"],
      ["non-ASCII", "clé-🙂"],
      ["longer than 255 characters", "k".repeat(256)],
    ])("answers 400 to a key that is %s, and creates nothing", async (_, key) => {
      const body = newUser();
      const problem = expectProblem(await api.createUser({ body, headers: { "Idempotency-Key": key } }), 400);
      expect(problem.errors).toEqual([{ path: "headers.idempotency-key", message: "must be 1 to 255 visible ASCII characters" }]);
      const { emailGuards } = await readTable(table, stage.tableName);
      expect(emailGuards.map((guard) => guard.email)).not.toContain(body.email);
    });

    it("stores its record in the users table, to expire by TTL after 24 hours", async () => {
      const before = Math.floor(Date.now() / 1000);
      await api.createUser({ body: newUser(), headers: { "Idempotency-Key": crypto.randomUUID() } });
      const { idempotencyRecords } = await readTable(table, stage.tableName);
      const expirations = idempotencyRecords.map((record) => Number(record.expiration) - before);
      expect(expirations.some((seconds) => seconds >= 24 * 3600 && seconds <= 24 * 3600 + 60)).toBe(true);
    });
  });
});
