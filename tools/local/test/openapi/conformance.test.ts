import { randomUUID } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes, type User, type UserPage } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { freePort } from "@users-api/emulators/child-process";
import { startRecordingApi, type Reply } from "./helpers/recording-api.js";
import { responseValidator, type RecordedExchange } from "../../../../test/openapi/helpers/response-validator.js";

const validate = responseValidator(openApiDocument());
const operationOf = (exchange: RecordedExchange) =>
  Object.values(routes).find((route) => route.method === exchange.method && new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(exchange.path))
    ?.operation;

const newUser = (overrides: Record<string, unknown> = {}) => ({
  email: `user-${randomUUID()}@example.com`,
  name: "Ada Lovelace",
  ...overrides,
});

/** Asserts the status first, so a scenario step that went elsewhere says so plainly. */
function expectStatus(reply: Reply, status: number): Reply {
  expect(reply.status, JSON.stringify(reply.json)).toBe(status);
  return reply;
}

describe("the API against its OpenAPI document", () => {
  let api: Awaited<ReturnType<typeof startRecordingApi>>;
  beforeAll(async () => {
    api = await startRecordingApi("openapi");
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("answers a scenario through every route and error with responses the document describes", async () => {
    const { call, keys } = api;

    // Who may call.
    expectStatus(await call("GET", "/users", { key: null }), 401);
    expectStatus(await call("GET", "/users", { key: "uak_not-a-key" }), 401);
    expectStatus(await call("POST", "/users", { key: keys.readOnly, body: newUser() }), 403);

    // Create, idempotently.
    const ada = newUser({ phone: "+441234567890", attributes: { plan: "pro", seats: 3, beta: true } });
    const idempotencyKey = randomUUID();
    const created = expectStatus(await call("POST", "/users", { body: ada, headers: { "idempotency-key": idempotencyKey } }), 201);
    const user = created.json as User;
    expect((await call("POST", "/users", { body: ada, headers: { "idempotency-key": idempotencyKey } })).json).toEqual(user);
    expectStatus(await call("POST", "/users", { body: newUser(), headers: { "idempotency-key": idempotencyKey } }), 422);
    const racing = { body: newUser(), headers: { "idempotency-key": randomUUID() } };
    const raced = await Promise.all([call("POST", "/users", racing), call("POST", "/users", racing)]);
    expect(raced.map(({ status }) => status).every((status) => status === 201 || status === 409)).toBe(true);
    const other = expectStatus(await call("POST", "/users", { body: newUser() }), 201).json as User;

    // Create, refused.
    expectStatus(await call("POST", "/users", { body: newUser(), headers: { "idempotency-key": "has spaces" } }), 400);
    expectStatus(await call("POST", "/users", { body: { email: "not-an-email", name: "" } }), 400);
    expectStatus(await call("POST", "/users", { body: "{not json" }), 400);
    expectStatus(await call("POST", "/users", { body: "[]" }), 400);
    expectStatus(await call("POST", "/users", { body: newUser({ name: "x".repeat(17 * 1024) }) }), 413);
    expectStatus(await call("POST", "/users", { body: newUser({ email: ada.email }) }), 409);

    // List.
    const first = expectStatus(await call("GET", "/users?limit=1"), 200).json as UserPage;
    expect(first.nextCursor).toEqual(expect.any(String));
    expectStatus(await call("GET", `/users?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? "")}`, { key: keys.readOnly }), 200);
    expectStatus(await call("GET", "/users?limit=0"), 400);
    expectStatus(await call("GET", `/users?cursor=${encodeURIComponent(`${first.nextCursor ?? ""}x`)}`), 400);
    expectStatus(await call("GET", "/users?colour=blue"), 400);

    // Read.
    expectStatus(await call("GET", `/users/${user.userId}`, { key: keys.readOnly }), 200);
    expectStatus(await call("GET", `/users/${randomUUID()}`), 404);
    expectStatus(await call("GET", "/users/not-a-uuid"), 404);

    // Replace.
    const replaced = expectStatus(
      await call("PUT", `/users/${user.userId}`, { body: { ...ada, name: "Ada King" }, headers: { "if-match": created.headers.etag ?? "" } }),
      200,
    );
    expectStatus(await call("PUT", `/users/${user.userId}`, { body: ada, headers: { "if-match": created.headers.etag ?? "" } }), 412);
    expectStatus(await call("PUT", `/users/${user.userId}`, { body: { name: "No Email" } }), 400);
    expectStatus(await call("PUT", `/users/${randomUUID()}`, { body: newUser() }), 404);
    expectStatus(await call("PUT", `/users/${user.userId}`, { body: { ...ada, email: other.email } }), 409);
    expectStatus(await call("PUT", `/users/${user.userId}`, { key: keys.readOnly, body: ada }), 403);

    // Patch.
    const mergePatch = { "content-type": "application/merge-patch+json" };
    const patched = expectStatus(
      await call("PATCH", `/users/${user.userId}`, {
        body: { phone: null, attributes: { seats: 4 } },
        headers: { ...mergePatch, "if-match": replaced.headers.etag ?? "" },
      }),
      200,
    );
    expectStatus(await call("PATCH", `/users/${user.userId}`, { body: { name: null }, headers: mergePatch }), 400);
    expectStatus(await call("PATCH", `/users/${user.userId}`, { body: { role: "admin" }, headers: mergePatch }), 400);
    expectStatus(await call("PATCH", `/users/${user.userId}`, { body: { name: "Stale" }, headers: { ...mergePatch, "if-match": '"1"' } }), 412);
    expectStatus(await call("PATCH", `/users/${randomUUID()}`, { body: { name: "Nobody" }, headers: mergePatch }), 404);

    // Delete.
    expectStatus(await call("DELETE", `/users/${user.userId}`, { headers: { "if-match": '"1"' } }), 412);
    expectStatus(await call("DELETE", `/users/${user.userId}`, { headers: { "if-match": patched.headers.etag ?? "" } }), 204);
    expectStatus(await call("DELETE", `/users/${user.userId}`), 404);

    // Every response is as documented, and the scenario reached every operation and the statuses it meant to.
    expect(api.exchanges.flatMap(validate)).toEqual([]);
    expect(new Set(api.exchanges.map(operationOf))).toEqual(new Set(Object.values(routes).map(({ operation }) => operation)));
    expect(new Set(api.exchanges.map(({ status }) => status))).toEqual(
      new Set([200, 201, 204, 400, 401, 403, 404, 412, 413, 422, 409].concat(raced.map(({ status }) => status))),
    );
  });
});

describe("the API's answers when a dependency fails, against its OpenAPI document", () => {
  /** A DynamoDB endpoint that accepts connections and never answers. */
  const sockets = new Set<Socket>();
  const silentDynamoDb = createServer((socket) => sockets.add(socket));
  let api: Awaited<ReturnType<typeof startRecordingApi>>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => silentDynamoDb.listen(0, "127.0.0.1", resolve));
    const silentPort = (silentDynamoDb.address() as { port: number }).port;
    const refusingPort = await freePort();
    api = await startRecordingApi("openapi-faults", {
      routes: [routes.getUser, routes.listUsers, routes.deleteUser],
      dynamoDbEndpointOverrides: {
        [routes.getUser.id]: `http://127.0.0.1:${refusingPort}`,
        [routes.listUsers.id]: `http://127.0.0.1:${silentPort}`,
      },
      environmentOverrides: {
        // Lambda cannot load the handler: the invocation fails.
        [routes.deleteUser.id]: { _HANDLER: "missing.handler" },
      },
      // Shorter than the ~4 s a function takes to give up on a silent DynamoDB (two 2 s attempts), so the
      // gateway's own 504 answers first; long enough for a cold start that meets a refused port.
      integrationTimeoutSeconds: 3,
    });
  });
  afterAll(async () => {
    await api?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silentDynamoDb.close(resolve));
  });

  it("answers 503 with Retry-After, 504 and 502 as documented", async () => {
    const unavailable = expectStatus(await api.call("GET", `/users/${randomUUID()}`), 503);
    expect(unavailable.headers["retry-after"]).toEqual(expect.any(String));
    expectStatus(await api.call("GET", "/users"), 504);
    expectStatus(await api.call("DELETE", `/users/${randomUUID()}`), 502);

    expect(api.exchanges.flatMap(validate)).toEqual([]);
  });
});
