import { createUsersApiClient } from "@users-api/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../helpers/local-api.js";

/** Local only: it counts the authorizer's invocations in its log. */
describe("the authorizer cache", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("authorizer-cache");
  });
  afterAll(() => api?.stop());

  it("invokes the authorizer once for two requests with the same key within its cache TTL", async () => {
    const client = createUsersApiClient({ baseUrl: api.url, apiKey: api.keys.readOnly });
    const before = await api.invocationsOf("Authorizer");

    expect((await client.GET("/users", { params: { query: { limit: 1 } } })).response.status).toBe(200);
    expect((await client.GET("/users", { params: { query: { limit: 1 } } })).response.status).toBe(200);

    expect(await api.invocationsOf("Authorizer")).toBe(before + 1);
  });

  it("lets browsers on any origin read the answers of a personal stage, whose CORS origin is *", async () => {
    const client = createUsersApiClient({ baseUrl: api.url, apiKey: api.keys.full });

    const { response } = await client.GET("/users", { headers: { origin: "http://localhost:5173" } });

    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});
