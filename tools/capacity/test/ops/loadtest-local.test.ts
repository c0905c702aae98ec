import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createUsersApiClient } from "@users-api/client";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey } from "@users-api/emulators/api-keys";
import { startLocalApi, type LocalApi } from "@users-api/local/gateway";
import { clientsFor, prepareLocalStage } from "@users-api/emulators/stage";
import { mixes, routeNames } from "../../src/loadtest/mix.js";
import { runLoadTest } from "../../src/loadtest/run.js";
import { send } from "../../src/loadtest/send.js";
import { Workload } from "../../src/loadtest/workload.js";

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

  it("pnpm loadtest shows progress with rates while it runs, and Ctrl-C ends it with a report and a line that it stopped", async () => {
    // Prepare: the CLI as a person runs it, its output into a log (not a terminal).
    const out = join(workDir, "interrupted.json");
    const cli = spawn(
      fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url)),
      ["tools/capacity/src/loadtest/cli.ts", "--url", api.url, "--rate", "5", "--duration", "2m", "--connections", "1", "--out", out],
      { cwd: fileURLToPath(new URL("../../../..", import.meta.url)), env: { ...process.env, USERS_API_KEY: key }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    for (const stream of [cli.stdout, cli.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once("exit", resolve));

    // Act: Ctrl-C once the first progress line is out.
    const progressLine = /^\[[#.]{20}\] \d+\/120 s {2}\d+ responses {2}\d+\.\d req\/s {2}\d+ errors$/m;
    const deadline = Date.now() + 30_000;
    while (!progressLine.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).toMatch(progressLine);
    cli.kill("SIGINT");

    // Assess
    expect(await exited).toBe(0);
    expect(output).toMatch(/^Stopped after \d+\.\d s of 120 s: the report covers what was sent until then\.$/m);
    expect(output).toMatch(/^Report: .*interrupted\.json$/m);
    expect(output.trimEnd().split("\n").at(-1)).toBe("Load test finished: no errors.");
  }, 60_000);
});
