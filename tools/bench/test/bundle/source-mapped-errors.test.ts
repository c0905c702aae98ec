import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { functionDefaults, type FunctionDefinition } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFunctions, type Bundles } from "@users-api/local/gateway/bundle";
import { lambdaEnvironment } from "@users-api/emulators/environment";
import { ExecutionEnvironment, type InvokeOutcome } from "@users-api/local/gateway/execution-environment";
import { startIamProxy, type IamProxy } from "@users-api/local/iam";
import type { LocalStage } from "@users-api/emulators/stage";

/**
 * Errors of a function bundled as `sst deploy` bundles it (minified, split, source maps beside the
 * code and not loaded at init; the local runner's bundles are the production ones, see
 * production-bundles.test.ts), run on Lambda's Node major, must still name the TypeScript line.
 */

const FIXTURE = "tools/bench/test/bundle/fixtures/failing-handler";
const fixtureSource = readFileSync(fileURLToPath(new URL("./fixtures/failing-handler.ts", import.meta.url)), "utf8");
/** The line of the bug, 1-based, as a stack trace names it. */
const bugLine = fixtureSource.split("\n").findIndex((line) => line.includes("the bug the tests look for")) + 1;

const fixture = (id: string, exportName: string): FunctionDefinition => ({
  id,
  handler: `${FIXTURE}.${exportName}`,
  bind: [],
  tableAccess: {},
  apiKeysSecretAccess: [],
});
const functions = {
  route: fixture("BuggyRoute", "handler"),
  throwsOutright: fixture("ThrowsOutright", "throwsOutright"),
  runtime: fixture("Runtime", "runtime"),
};

/** No AWS call is made: the endpoints are never reached. */
const stage: LocalStage = {
  app: "users-api",
  stage: "bundle-test",
  region: "us-east-1",
  endpoints: { dynamoDb: "http://127.0.0.1:9", moto: "http://127.0.0.1:9" },
  tableName: "unused",
  apiKeysSecretArn: "unused",
};

let workDir: string;
let bundles: Bundles;
let iam: IamProxy;
const environments: ExecutionEnvironment[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "users-api-bundle-errors-"));
  bundles = await bundleFunctions(Object.values(functions), join(workDir, "build"));
  iam = await startIamProxy({ stage, functions: Object.values(functions) });
}, 120_000);
afterAll(async () => {
  await Promise.all(environments.map((environment) => environment.kill()));
  await iam?.stop();
  await rm(workDir, { recursive: true, force: true });
});

/** Starts the function in an execution environment (the functions' Node) and invokes it once; returns the outcome and its log. */
async function invokeOnce(definition: FunctionDefinition, event: unknown): Promise<{ outcome: InvokeOutcome; log: string }> {
  const bundle = bundles.functions.get(definition.id)!;
  const chunks: Buffer[] = [];
  const log = new PassThrough().on("data", (chunk: Buffer) => chunks.push(chunk));
  const environment = await ExecutionEnvironment.start({
    functionId: definition.id,
    bootstrap: bundles.bootstrap,
    taskRoot: bundle.taskRoot,
    memorySizeMb: functionDefaults.memorySize,
    initTimeoutMs: 30_000,
    log,
    environment: (logStreamName) =>
      lambdaEnvironment(definition, stage, {
        logLevel: "INFO",
        aws: iam.environmentFor(definition.id),
        placement: {
          taskRoot: bundle.taskRoot,
          runtimeDir: dirname(bundles.bootstrap),
          handler: bundle.handler,
          xrayDaemonAddress: "127.0.0.1:9",
          logStreamName,
        },
      }),
  });
  environments.push(environment);
  const outcome = await environment.invoke(
    {
      requestId: randomUUID(),
      event,
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${definition.id}`,
      traceId: "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
    },
    10_000,
  );
  // The log stream is written asynchronously, as CloudWatch receives it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { outcome, log: Buffer.concat(chunks).toString("utf8") };
}

const readEvent = {
  httpMethod: "GET",
  path: `/users/${randomUUID()}`,
  headers: {},
  queryStringParameters: null,
  pathParameters: null,
  body: null,
  requestContext: { authorizer: { keyName: "bundle-test", scopes: "users:read" } },
};

describe("a function bundled as production bundles it", () => {
  it("runs on the Lambda runtime's Node major, with no source map support switched on", async () => {
    const { outcome } = await invokeOnce(functions.runtime, {});

    expect(outcome.ok).toBe(true);
    const reported = (outcome as { payload: { node: string; sourceMapsEnabled: boolean; nodeOptions: string | null } }).payload;
    expect(reported.node).toMatch(new RegExp(`^v${/^nodejs(\d+)\.x$/.exec(functionDefaults.runtime)?.[1]}\\.`));
    expect(reported.sourceMapsEnabled).toBe(false);
    expect(reported.nodeOptions).toBeNull();
  });

  it("logs an unexpected error with a stack and location that name the TypeScript file and line", async () => {
    const { outcome, log } = await invokeOnce(functions.route, readEvent);

    expect(outcome).toMatchObject({ ok: true, payload: { statusCode: 500 } });
    const logged = log
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { message?: string; error?: { name: string; location: string; stack: string } })
      .find(({ message }) => message === "unexpected error");
    expect(logged?.error?.name).toBe("TypeError");
    expect(logged?.error?.location).toMatch(new RegExp(`${FIXTURE}\\.ts:${bugLine}$`));
    expect(logged?.error?.stack.split("\n")[1]).toMatch(new RegExp(`at readMissingSetting \\(.*${FIXTURE}\\.ts:${bugLine}:\\d+\\)$`));
    expect(logged?.error?.stack).not.toMatch(/\.mjs:\d+:\d+/);
  });

  it("reports an error thrown out of the handler with a stack trace that names the TypeScript line", async () => {
    const { outcome, log } = await invokeOnce(functions.throwsOutright, {});

    expect(outcome.ok).toBe(false);
    const { stackTrace = [] } = (outcome as { error: { stackTrace?: string[] } }).error;
    expect(stackTrace[0]).toMatch(new RegExp(`${FIXTURE}\\.ts:${bugLine}:\\d+\\)$`));
    expect(log).toMatch(new RegExp(`Invoke Error.*${FIXTURE}\\.ts:${bugLine}:`));
  });
});
