import { randomUUID } from "node:crypto";
import { createUsersApiClient, createUser, unwrap, type UsersApiClient } from "@users-api/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eTarget, expectProblemResult, type E2eTarget } from "../target.js";

describe("API keys, through the real authorizer", () => {
  let target: E2eTarget;
  let api: UsersApiClient;
  let readOnly: UsersApiClient;
  let userId: string;
  beforeAll(async () => {
    target = await e2eTarget("api-keys");
    api = target.client();
    readOnly = target.client(target.keys.readOnly);
    userId = (await createUser(api, { email: `owner-${randomUUID()}@example.com`, name: "Owner" })).user.userId;
  });
  afterAll(() => target?.stop());

  it("refuses a request without a key with 401", async () => {
    expectProblemResult(await target.client(null).GET("/users"), 401);
  });

  it("refuses a key nobody issued with 401", async () => {
    const stranger = createUsersApiClient({ baseUrl: target.url, apiKey: "uak_not-a-key-anyone-issued" });

    expectProblemResult(await stranger.GET("/users"), 401);
  });

  it("lets a read-only key read", async () => {
    expect((await readOnly.GET("/users")).response.status).toBe(200);
    expect((await readOnly.GET("/users/{userId}", { params: { path: { userId } } })).response.status).toBe(200);
  });

  const intruder = () => ({ email: `intruder-${randomUUID()}@example.com`, name: "Intruder" });
  it.each([
    ["POST /users", () => readOnly.POST("/users", { body: intruder() })],
    ["PUT /users/{userId}", () => readOnly.PUT("/users/{userId}", { params: { path: { userId } }, body: intruder() })],
    ["PATCH /users/{userId}", () => readOnly.PATCH("/users/{userId}", { params: { path: { userId } }, body: intruder() })],
    ["DELETE /users/{userId}", () => readOnly.DELETE("/users/{userId}", { params: { path: { userId } } })],
  ])("refuses %s to a read-only key with 403 and changes nothing", async (_, call) => {
    expectProblemResult(await call(), 403);

    expect(unwrap(await api.GET("/users/{userId}", { params: { path: { userId } } }))).toMatchObject({ name: "Owner", version: 1 });
  });
});
