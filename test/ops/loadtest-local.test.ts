import { randomBytes } from "node:crypto";
import { createUsersApiClient } from "@users-api/client";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey } from "../../packages/local/src/api-keys.js";
import { startLocalApi, type LocalApi } from "../../packages/local/src/gateway/index.js";
import { clientsFor, prepareLocalStage } from "../../packages/local/src/stage.js";
import { mixes, routeNames } from "../../scripts/loadtest/mix.js";
import { runLoadTest } from "../../scripts/loadtest/run.js";
import { send } from "../../scripts/loadtest/send.js";
import { Workload } from "../../scripts/loadtest/workload.js";

describe("pnpm loadtest against the local API", () => {
  let api: LocalApi;
  let key: string;
  let workDir: string;

  beforeAll(async () => {
    const stage = await prepareLocalStage({
      endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
      stage: `loadtest-${randomBytes(4).toString("hex")}`,
      cursorSecret: randomBytes(32).toString("base64url"),
    });
    const { secretsManager } = clientsFor(stage.endpoints);
    key = (await createApiKey(secretsManager, stage.apiKeysSecretArn, "loadtest", ["users:read", "users:write"])).key;
    secretsManager.destroy();
    workDir = await mkdtemp(join(tmpdir(), "users-api-loadtest-"));
    api = await startLocalApi({ stage, buildDir: join(workDir, "build"), logDir: join(workDir, "logs") });
    expect(new URL(api.url).hostname).toBe("127.0.0.1");

    // One request per route, one at a time, so every function has a warm execution environment
    // and the short run below measures requests rather than cold starts.
    const warmUp = new Workload({ mix: mixes["write-heavy"], runId: "warmup" });
    const client = createUsersApiClient({ baseUrl: api.url, apiKey: key, retry: false });
    for (let i = 0; i < routeNames.length; i++) {
      const request = warmUp.next();
      const answer = await send(client, request);
      expect(warmUp.isExpected(request.route, answer.status), `${request.route}: ${answer.status} ${JSON.stringify(answer.body)}`).toBe(true);
      warmUp.settle(request, answer);
    }
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("drives every route for 3 seconds at a low rate with no server errors", async () => {
    // Act: one connection, so each function keeps the one warm environment.
    const report = await runLoadTest({ url: api.url, key, ratePerSecond: 10, durationSeconds: 3, mix: "write-heavy", connections: 1 });

    // Assess
    for (const route of routeNames) {
      expect(report.routes[route].responses, `${route} got no traffic: ${JSON.stringify(report.routes)}`).toBeGreaterThan(0);
      expect(report.routes[route].latencyMs?.max).toBeGreaterThan(0);
    }
    const serverErrors = Object.entries(report.total.statuses).filter(([status]) => Number(status) >= 500);
    expect(serverErrors).toEqual([]);
    expect(report.total.errors).toBe(0);
    expect(report.total.timeouts).toBe(0);
    expect(report.total.responses).toBe(routeNames.reduce((sum, route) => sum + report.routes[route].responses, 0));
    expect(report.total.throughputPerSecond).toBeGreaterThan(0);
    expect(report.total.throughputPerSecond).toBeLessThanOrEqual(10 * 1.2);
  }, 60_000);
});
