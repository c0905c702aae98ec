import { randomBytes, randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { authorizer, functionDefaults, routes, type FunctionDefinition } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey } from "@users-api/emulators/api-keys";
import { bundleFunctions, type Bundles } from "@users-api/local/gateway/bundle";
import { lambdaEnvironment } from "@users-api/emulators/environment";
import { startIamProxy, type IamProxy } from "@users-api/local/iam";
import { ExecutionEnvironment } from "@users-api/local/gateway/execution-environment";
import { clientsFor, prepareLocalStage, type LocalStage } from "@users-api/emulators/stage";

/**
 * Tracing is kept, although the tracer is loaded on the first sampled invocation rather than at init
 * (packages/functions/src/tracing.ts): functions bundled as production bundles them send X-Ray the
 * subsegments of their handler and of every AWS call (DynamoDB, Secrets Manager), to the daemon address
 * Lambda gives them, through the real X-Ray SDK and a UDP socket that stands in for the daemon.
 */

interface XraySubsegment {
  readonly name: string;
  readonly type?: string;
  readonly trace_id?: string;
  readonly namespace?: string;
  readonly aws?: { readonly operation?: string };
  readonly annotations?: Record<string, unknown>;
  readonly subsegments?: readonly XraySubsegment[];
}

let workDir: string;
let bundles: Bundles;
let stage: LocalStage;
let iam: IamProxy;
let daemon: Socket;
let apiKey: string;
const documents: XraySubsegment[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "users-api-tracing-"));
  [bundles, stage] = await Promise.all([
    bundleFunctions([routes.getUser, authorizer], join(workDir, "build")),
    prepareLocalStage({
      endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
      stage: `tracing-${randomBytes(4).toString("hex")}`,
      cursorSecret: randomBytes(32).toString("base64url"),
    }),
  ]);
  iam = await startIamProxy({ stage, functions: [routes.getUser, authorizer] });
  const { secretsManager } = clientsFor(stage.endpoints);
  ({ key: apiKey } = await createApiKey(secretsManager, stage.apiKeysSecretArn, "tracing-test", ["users:read"]));
  secretsManager.destroy();
  daemon = createSocket("udp4");
  // Each datagram: a JSON header line, then one segment document.
  daemon.on("message", (message) => documents.push(JSON.parse(message.toString("utf8").split("\n")[1] ?? "{}") as XraySubsegment));
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", () => resolve()));
}, 120_000);
afterAll(async () => {
  await iam?.stop();
  await new Promise<void>((resolve) => daemon?.close(() => resolve()));
  await rm(workDir, { recursive: true, force: true });
});

/** Every subsegment sent, nested ones included. */
const flatten = (list: readonly XraySubsegment[]): XraySubsegment[] => list.flatMap((document) => [document, ...flatten(document.subsegments ?? [])]);

const newTraceRoot = () => `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
const traceHeader = (root: string, sampled: boolean) => `Root=${root};Parent=${randomBytes(8).toString("hex")};Sampled=${sampled ? 1 : 0}`;
/** The subsegments the daemon received for one trace. */
const sentFor = (root: string) => flatten(documents.filter(({ trace_id }) => trace_id === root));

/** One execution environment of a production-bundled function, as Lambda runs it. */
async function startEnvironment(definition: FunctionDefinition) {
  const bundle = bundles.functions.get(definition.id)!;
  return ExecutionEnvironment.start({
    functionId: definition.id,
    bootstrap: bundles.bootstrap,
    taskRoot: bundle.taskRoot,
    memorySizeMb: functionDefaults.memorySize,
    initTimeoutMs: 30_000,
    environment: (logStreamName) =>
      lambdaEnvironment(definition, stage, {
        logLevel: "ERROR",
        aws: iam.environmentFor(definition.id),
        placement: {
          taskRoot: bundle.taskRoot,
          runtimeDir: dirname(bundles.bootstrap),
          handler: bundle.handler,
          xrayDaemonAddress: `127.0.0.1:${daemon.address().port}`,
          logStreamName,
        },
      }),
  });
}

const getUserEvent = (userId: string) => ({
  httpMethod: "GET",
  path: `/users/${userId}`,
  headers: {},
  pathParameters: { userId },
  queryStringParameters: null,
  body: null,
  requestContext: { authorizer: { keyName: "tracing-test", scopes: "users:read" } },
});

describe("a production-bundled function on Lambda's Node", () => {
  it("sends the subsegments of its handler and its DynamoDB call to the X-Ray daemon", async () => {
    const environment = await startEnvironment(routes.getUser);
    const traceRoot = newTraceRoot();
    try {
      const outcome = await environment.invoke(
        {
          requestId: randomUUID(),
          event: getUserEvent(randomUUID()),
          invokedFunctionArn: `arn:aws:lambda:${stage.region}:123456789012:function:${routes.getUser.id}`,
          traceId: traceHeader(traceRoot, true),
        },
        10_000,
      );
      expect(outcome).toMatchObject({ ok: true, payload: { statusCode: 404 } });
      // The SDK sends each subsegment by UDP as it closes, after the response.
      await expect.poll(() => sentFor(traceRoot).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await environment.kill();
    }

    const sent = sentFor(traceRoot);
    expect(sent.find(({ name }) => name === `## ${routes.getUser.handler}`)?.annotations).toMatchObject({ ColdStart: true, Service: "users-api" });
    expect(sent.find(({ namespace, aws }) => namespace === "aws" && aws?.operation === "GetItem")?.name).toBe("DynamoDB");
  });

  it("annotates ColdStart false when the first sampled invocation is not the environment's first", async () => {
    const environment = await startEnvironment(routes.getUser);
    const [unsampled, sampled] = [newTraceRoot(), newTraceRoot()];
    try {
      for (const [root, isSampled] of [
        [unsampled, false],
        [sampled, true],
      ] as const) {
        const outcome = await environment.invoke(
          {
            requestId: randomUUID(),
            event: getUserEvent(randomUUID()),
            invokedFunctionArn: `arn:aws:lambda:${stage.region}:123456789012:function:${routes.getUser.id}`,
            traceId: traceHeader(root, isSampled),
          },
          10_000,
        );
        expect(outcome).toMatchObject({ ok: true, payload: { statusCode: 404 } });
      }
      await expect.poll(() => sentFor(sampled).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await environment.kill();
    }

    expect(sentFor(unsampled)).toEqual([]);
    const sent = sentFor(sampled);
    expect(sent.find(({ name }) => name === `## ${routes.getUser.handler}`)?.annotations).toMatchObject({ ColdStart: false });
    expect(sent.find(({ namespace, aws }) => namespace === "aws" && aws?.operation === "GetItem")?.name).toBe("DynamoDB");
  });

  it("sends a subsegment for the authorizer's Secrets Manager call", async () => {
    const environment = await startEnvironment(authorizer);
    const traceRoot = newTraceRoot();
    try {
      const outcome = await environment.invoke(
        {
          requestId: randomUUID(),
          event: {
            type: "REQUEST",
            methodArn: `arn:aws:execute-api:${stage.region}:123456789012:api/${stage.stage}/GET/users`,
            headers: { [authorizer.identityHeader]: apiKey },
          },
          invokedFunctionArn: `arn:aws:lambda:${stage.region}:123456789012:function:${authorizer.id}`,
          traceId: traceHeader(traceRoot, true),
        },
        10_000,
      );
      expect(outcome).toMatchObject({ ok: true, payload: { principalId: "tracing-test" } });
      await expect.poll(() => sentFor(traceRoot).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    } finally {
      await environment.kill();
    }

    const call = sentFor(traceRoot).find(({ namespace, aws }) => namespace === "aws" && aws?.operation === "GetSecretValue");
    expect(call?.name).toBe("SecretsManager");
  });
});
