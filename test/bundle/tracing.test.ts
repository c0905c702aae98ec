import { randomBytes, randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { functionDefaults, routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bundleFunctions, type Bundles } from "../../packages/local/src/gateway/bundle.js";
import { lambdaEnvironment, localAwsEnvironment } from "../../packages/local/src/gateway/environment.js";
import { ExecutionEnvironment } from "../../packages/local/src/gateway/execution-environment.js";
import { prepareLocalStage, type LocalStage } from "../../packages/local/src/stage.js";

/**
 * Tracing is kept: the get-user function, bundled as production bundles it, sends X-Ray the subsegments
 * of its handler and of its DynamoDB call, to the daemon address Lambda gives it.
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
let daemon: Socket;
const documents: XraySubsegment[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "users-api-tracing-"));
  [bundles, stage] = await Promise.all([
    bundleFunctions([routes.getUser], join(workDir, "build")),
    prepareLocalStage({
      endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
      stage: `tracing-${randomBytes(4).toString("hex")}`,
      cursorSecret: randomBytes(32).toString("base64url"),
    }),
  ]);
  daemon = createSocket("udp4");
  // Each datagram: a JSON header line, then one segment document.
  daemon.on("message", (message) => documents.push(JSON.parse(message.toString("utf8").split("\n")[1] ?? "{}") as XraySubsegment));
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", () => resolve()));
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => daemon?.close(() => resolve()));
  await rm(workDir, { recursive: true, force: true });
});

/** Every subsegment sent, nested ones included. */
const flatten = (list: readonly XraySubsegment[]): XraySubsegment[] => list.flatMap((document) => [document, ...flatten(document.subsegments ?? [])]);

describe("a production-bundled function on Lambda's Node", () => {
  it("sends the subsegments of its handler and its DynamoDB call to the X-Ray daemon", async () => {
    const bundle = bundles.functions.get(routes.getUser.id)!;
    const environment = await ExecutionEnvironment.start({
      functionId: routes.getUser.id,
      bootstrap: bundles.bootstrap,
      taskRoot: bundle.taskRoot,
      memorySizeMb: functionDefaults.memorySize,
      initTimeoutMs: 30_000,
      environment: (logStreamName) =>
        lambdaEnvironment(routes.getUser, stage, {
          logLevel: "ERROR",
          aws: localAwsEnvironment(stage),
          placement: {
            taskRoot: bundle.taskRoot,
            runtimeDir: dirname(bundles.bootstrap),
            handler: bundle.handler,
            xrayDaemonAddress: `127.0.0.1:${daemon.address().port}`,
            logStreamName,
          },
        }),
    });
    const traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
    try {
      const userId = randomUUID();
      const outcome = await environment.invoke(
        {
          requestId: randomUUID(),
          event: {
            httpMethod: "GET",
            path: `/users/${userId}`,
            headers: {},
            pathParameters: { userId },
            queryStringParameters: null,
            body: null,
            requestContext: { authorizer: { keyName: "tracing-test", scopes: "users:read" } },
          },
          invokedFunctionArn: `arn:aws:lambda:${stage.region}:123456789012:function:${routes.getUser.id}`,
          traceId: `Root=${traceRoot};Parent=${randomBytes(8).toString("hex")};Sampled=1`,
        },
        10_000,
      );
      expect(outcome).toMatchObject({ ok: true, payload: { statusCode: 404 } });
      // The SDK sends each subsegment by UDP as it closes, after the response.
      await expect.poll(() => flatten(documents).filter(({ trace_id }) => trace_id === traceRoot).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await environment.kill();
    }

    const sent = flatten(documents.filter(({ trace_id }) => trace_id === traceRoot));
    expect(sent.find(({ name }) => name === `## ${routes.getUser.handler}`)?.annotations).toMatchObject({ ColdStart: true, Service: "users-api" });
    expect(sent.find(({ namespace, aws }) => namespace === "aws" && aws?.operation === "GetItem")?.name).toBe("DynamoDB");
  });
});
