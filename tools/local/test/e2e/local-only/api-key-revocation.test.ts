import { setTimeout as sleep } from "node:timers/promises";
import { createUsersApiClient } from "@users-api/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey } from "@users-api/emulators/api-keys";
import { startTestApi, type TestApi } from "../../helpers/local-api.js";
import { expectProblemResult } from "../target.js";

/** The gateway caches a key's policy this long; execution environments idle this long are reclaimed. */
const SHORT_SECONDS = 1;

/** Local only: it shortens the caches and revokes a key straight in the emulated Secrets Manager. */
describe("a revoked API key", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("api-key-revocation", { authorizerCacheTtlSeconds: SHORT_SECONDS, idleEnvironmentSeconds: SHORT_SECONDS });
  });
  afterAll(() => api?.stop());

  it("is refused with 401 once the gateway's cache and the authorizer's environments have expired", async () => {
    const key = await api.addKey("to-revoke", ["users:read"]);
    const client = createUsersApiClient({ baseUrl: api.url, apiKey: key });
    // The authorizer caches key records per environment: wait until no environment has seen the old list.
    await sleep(SHORT_SECONDS * 1000 * 2.5);
    expect((await client.GET("/users")).response.status).toBe(200);

    await revokeApiKey(api.secretsManager, api.stage.apiKeysSecretArn, "to-revoke");
    await sleep(SHORT_SECONDS * 1000 * 2.5);

    expectProblemResult(await client.GET("/users"), 401);
  });
});
