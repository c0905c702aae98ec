import { setTimeout as sleep } from "node:timers/promises";
import { User } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey } from "../../src/api-keys.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

/** The gateway caches a key's policy this long; execution environments idle this long are reclaimed. */
const SHORT_SECONDS = 1;

describe("API keys, through the real authorizer", () => {
  let api: TestApi;
  let userId: string;
  beforeAll(async () => {
    api = await startTestApi("api-keys", { authorizerCacheTtlSeconds: SHORT_SECONDS, idleEnvironmentSeconds: SHORT_SECONDS });
    const created = await api.request("POST", "/users", { body: { email: `owner-${Date.now()}@example.com`, name: "Owner" } });
    expect(created.status, created.text).toBe(201);
    userId = User.parse(created.json).userId;
  });
  afterAll(() => api?.stop());

  it("refuses a request without a key with 401", async () => {
    expectProblem(await api.request("GET", "/users", { key: null }), 401);
  });

  it("refuses a key nobody issued with 401", async () => {
    expectProblem(await api.request("GET", "/users", { key: "uak_not-a-key-anyone-issued" }), 401);
  });

  it("lets a read-only key read", async () => {
    expect((await api.request("GET", "/users", { key: api.keys.readOnly })).status).toBe(200);
    expect((await api.request("GET", `/users/${userId}`, { key: api.keys.readOnly })).status).toBe(200);
  });

  it.each([
    ["POST", "/users"],
    ["PUT", "/users/{userId}"],
    ["PATCH", "/users/{userId}"],
    ["DELETE", "/users/{userId}"],
  ])("refuses %s %s to a read-only key with 403 and changes nothing", async (method, path) => {
    const response = await api.request(method, path.replace("{userId}", userId), {
      key: api.keys.readOnly,
      body: method === "DELETE" ? undefined : { email: `intruder-${Date.now()}@example.com`, name: "Intruder" },
    });

    expectProblem(response, 403);
    expect(User.parse((await api.request("GET", `/users/${userId}`)).json)).toMatchObject({ name: "Owner", version: 1 });
  });

  it("refuses a revoked key with 401 once the gateway's cache and the authorizer's environments have expired", async () => {
    const key = await api.addKey("to-revoke", ["users:read"]);
    // The authorizer caches key records per environment: wait until no environment has seen the old list.
    await sleep(SHORT_SECONDS * 1000 * 2.5);
    expect((await api.request("GET", "/users", { key })).status).toBe(200);

    await revokeApiKey(api.secretsManager, api.stage.apiKeysSecretArn, "to-revoke");
    await sleep(SHORT_SECONDS * 1000 * 2.5);

    expectProblem(await api.request("GET", "/users", { key }), 401);
  });
});
