import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { authorizer, routes, type FunctionDefinition, type LogLevel, type RouteDefinition } from "@users-api/core";
import { createApiKey } from "../packages/local/src/api-keys.js";
import { functionNode } from "../packages/local/src/gateway/function-node.js";
import { lambdaEnvironment, localAwsEnvironment } from "../packages/local/src/gateway/index.js";
import { proxyEvent, requestAuthorizerEvent, type ApiIdentity, type ApiRequest } from "../packages/local/src/gateway/proxy-event.js";
import { clientsFor, type LocalStage } from "../packages/local/src/stage.js";
import { summarizeLatencies, type LatencySummary } from "../scripts/loadtest/stats.js";
import { functionBundling } from "../stacks/function-bundling.js";
import type { ProductionBundle } from "./bundle.js";
import { formatTable, ms } from "./format.js";
import { leverVariants } from "./levers.js";
import { buildWithSst } from "./sst-build.js";

const run = promisify(execFile);

/**
 * Runs in a fresh `node`: imports the bundle (its top-level awaits included)
 * and reports how long that took and how long since the process started;
 * then, when given an event, invokes the handler once, as the cold request.
 */
const IMPORT_PROBE = `
const started = performance.now();
const cpuBefore = process.cpuUsage();
const loaded = await import(process.argv[1]);
const importMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const importCpuMs = (cpu.user + cpu.system) / 1000;
if (typeof loaded.handler !== "function") throw new Error("The bundle exports no handler.");
const readyMs = performance.now();
const { findSourceMap } = await import("node:module");
const sourceMapLoaded = findSourceMap(new URL(process.argv[1]).pathname) !== undefined;
let firstInvokeMs = null;
if (process.argv[2]) {
  process.env._X_AMZN_TRACE_ID = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: "$LATEST", memoryLimitInMB: "512",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + process.env.AWS_LAMBDA_FUNCTION_NAME,
    awsRequestId: crypto.randomUUID(), logGroupName: "bench", logStreamName: "bench", callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10000, done() {}, fail() {}, succeed() {},
  };
  const invoked = performance.now();
  await loaded.handler(JSON.parse(process.argv[2]), context).catch((error) => {
    if (error?.message !== "Unauthorized") throw error;
  });
  firstInvokeMs = performance.now() - invoked;
}
process.stdout.write("\\n" + JSON.stringify({ importMs, importCpuMs, readyMs, firstInvokeMs, sourceMapLoaded }), () => process.exit(0));
`;

const minimalDefinition: FunctionDefinition = {
  id: "Minimal",
  handler: "minimal-handler.handler",
  bind: [],
  tableAccess: {},
  apiKeysSecretAccess: [],
};

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const MINIMAL_ENTRY = relative(repositoryRoot, fileURLToPath(new URL("./init/minimal-handler.ts", import.meta.url)));

/**
 * The baselines: a handler that only creates its DynamoDB document client, bundled as SST bundles an ESM
 * function with `minify` and no source map (the target's baseline), as it was bundled before (source map
 * loaded with `--enable-source-maps`), and with this app's bundling settings.
 */
async function buildBaselines(workDir: string) {
  const dir = join(workDir, "baselines");
  return {
    sst: await buildWithSst(MINIMAL_ENTRY, join(dir, "sst"), { minify: true, splitting: false, sourcemap: false }),
    sourceMapped: await buildWithSst(MINIMAL_ENTRY, join(dir, "source-mapped"), { minify: true, splitting: false, sourcemap: true }),
    ours: await buildWithSst(MINIMAL_ENTRY, join(dir, "ours"), functionBundling),
  };
}

export interface Subject {
  readonly functionId: string;
  readonly name: string;
  readonly mainFile: string;
  readonly env: Record<string, string>;
  /** The event of the cold request, when it is measured. */
  readonly event?: unknown;
}

export interface InitTime {
  readonly functionId: string;
  readonly name: string;
  readonly runs: number;
  /** `import()` of the bundle, to the end of its top-level awaits. */
  readonly importMs: LatencySummary;
  /**
   * CPU time (user and system, all of the process's threads) the import took: much less skewed than
   * wall time by other work on the machine, so its ratios hold on a busy machine too.
   */
  readonly importCpuMs: LatencySummary;
  /** From the process's start (Node's own boot included) to the handler being ready. */
  readonly readyMs: LatencySummary;
  /** The first invocation right after import, when measured. */
  readonly firstInvokeMs: LatencySummary | null;
  /** Import p50 over the baseline's import p50 (the target: at most 1.3). */
  readonly ratio: number;
  /** Import CPU p50 over the baseline's. */
  readonly cpuRatio: number;
  /** Whether Node had parsed the bundle's source map by the end of import. */
  readonly sourceMapLoaded: boolean;
}

interface Sample {
  readonly importMs: number;
  readonly importCpuMs: number;
  readonly readyMs: number;
  readonly firstInvokeMs: number | null;
  readonly sourceMapLoaded: boolean;
}

async function probe(node: string, subject: Subject): Promise<Sample> {
  const args = ["--input-type=module", "-e", IMPORT_PROBE, pathToFileURL(subject.mainFile).href];
  if (subject.event !== undefined) args.push(JSON.stringify(subject.event));
  const { stdout } = await run(node, args, { env: subject.env, cwd: join(subject.mainFile, ".."), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stderr?: string }) => {
      // Not the whole minified line Node quotes before the error.
      const stderr = (error.stderr ?? "").split("\n").filter((line) => line.length < 500).join("\n");
      throw new Error(`${subject.functionId} (${subject.name}) failed:\n${stderr}`);
    },
  );
  // The function's own log lines come first.
  return JSON.parse(stdout.slice(stdout.lastIndexOf("\n") + 1)) as Sample;
}

/** Events of the cold requests measured: a list, a read of a missing user, the authorizer with a valid key. */
function coldRequestEvents(stage: LocalStage, apiKey: string) {
  const api: ApiIdentity = { apiId: "bench", stage: stage.stage, region: stage.region, accountId: "123456789012" };
  // Asserted rather than annotated: the contract branch adds isBase64Encoded to ApiRequest.
  const request = (route: RouteDefinition, path: string) =>
    ({
      requestId: randomUUID(),
      extendedRequestId: randomBytes(8).toString("hex"),
      receivedAt: new Date(),
      method: route.method,
      path,
      headers: { "x-api-key": apiKey },
      multiValueHeaders: { "x-api-key": [apiKey] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      sourceIp: "127.0.0.1",
      protocol: "HTTP/1.1",
      traceRoot: "1-00000000-000000000000000000000000",
    }) as ApiRequest;
  const allowed = { principalId: "bench", context: { keyName: "bench", scopes: "users:read users:write" }, integrationLatency: 0 };
  const userId = randomUUID();
  return {
    listUsers: proxyEvent(api, request(routes.listUsers, "/users"), { kind: "route", route: routes.listUsers, pathParameters: null }, allowed),
    getUser: proxyEvent(api, request(routes.getUser, `/users/${userId}`), { kind: "route", route: routes.getUser, pathParameters: { userId } }, allowed),
    authorizer: requestAuthorizerEvent(api, request(routes.listUsers, "/users"), { kind: "route", route: routes.listUsers, pathParameters: null }),
  } as Record<string, unknown>;
}

/**
 * Imports every production bundle, the baselines and the lever variants in fresh processes of the
 * functions' Node (the Lambda runtime's major version, see function-node.ts) with the environment
 * Lambda would give each (bindings on the emulators). Rounds go through every subject in turn so
 * background load hits all alike; the first round only warms the file cache and is not counted.
 */
export async function measureInitTimes(options: {
  readonly bundles: readonly ProductionBundle[];
  readonly stage: LocalStage;
  readonly logLevel: LogLevel;
  readonly workDir: string;
  readonly runs: number;
  readonly levers: boolean;
}): Promise<InitTime[]> {
  const { stage, logLevel } = options;
  const node = functionNode();
  const environmentOf = (definition: FunctionDefinition, taskRoot: string) =>
    lambdaEnvironment(definition, stage, {
      logLevel,
      aws: localAwsEnvironment(stage),
      placement: { taskRoot, runtimeDir: taskRoot, handler: definition.handler, xrayDaemonAddress: "127.0.0.1:2000", logStreamName: "bench" },
    });
  const { secretsManager } = clientsFor(stage.endpoints);
  const { key } = await createApiKey(secretsManager, stage.apiKeysSecretArn, "bench", ["users:read", "users:write"]);
  secretsManager.destroy();
  const events = coldRequestEvents(stage, key);

  const baselines = await buildBaselines(options.workDir);
  const baselineEnv = environmentOf(minimalDefinition, join(baselines.sst, ".."));
  const functions: Subject[] = options.bundles.flatMap(({ functionId, name, definition, assetDir, mainFile }) =>
    definition && name ? [{ functionId, name, mainFile, env: environmentOf(definition, assetDir), event: events[name] }] : [],
  );
  const levers = options.levers
    ? (await leverVariants(join(options.workDir, "levers"))).map(({ name, functionId, definition, mainFile, env }) => ({
        functionId,
        name,
        mainFile,
        env: { ...environmentOf(definition, join(mainFile, "..")), ...env },
        event: events[definition === authorizer ? "authorizer" : definition.handler === routes.listUsers.handler ? "listUsers" : "getUser"],
      }))
    : [];
  const subjects: Subject[] = [
    { functionId: "Minimal", name: "baseline", mainFile: baselines.sst, env: baselineEnv },
    {
      functionId: "Minimal",
      name: "baseline, source map at init (before)",
      mainFile: baselines.sourceMapped,
      env: { ...baselineEnv, NODE_OPTIONS: "--enable-source-maps" },
    },
    { functionId: "Minimal", name: "baseline, this app's bundling", mainFile: baselines.ours, env: baselineEnv },
    ...functions,
    ...levers,
  ];
  const samples = new Map(subjects.map((subject) => [subject, [] as Sample[]]));
  for (let round = 0; round <= options.runs; round++) {
    for (const subject of subjects) {
      const sample = await probe(node.path, subject);
      if (round > 0) samples.get(subject)!.push(sample);
    }
  }
  const summaries = subjects.map((subject) => {
    const taken = samples.get(subject)!;
    const firstInvokes = taken.flatMap(({ firstInvokeMs }) => (firstInvokeMs === null ? [] : [firstInvokeMs]));
    return {
      subject,
      importMs: summarizeLatencies(taken.map(({ importMs }) => importMs))!,
      importCpuMs: summarizeLatencies(taken.map(({ importCpuMs }) => importCpuMs))!,
      readyMs: summarizeLatencies(taken.map(({ readyMs }) => readyMs))!,
      firstInvokeMs: summarizeLatencies(firstInvokes),
      sourceMapLoaded: taken.some(({ sourceMapLoaded }) => sourceMapLoaded),
    };
  });
  const baseline = summaries[0]!;
  return summaries.map(({ subject, importMs, importCpuMs, readyMs, firstInvokeMs, sourceMapLoaded }) => ({
    functionId: subject.functionId,
    name: subject.name,
    runs: options.runs,
    importMs,
    importCpuMs,
    readyMs,
    firstInvokeMs,
    ratio: ms(importMs.p50 / baseline.importMs.p50),
    cpuRatio: ms(importCpuMs.p50 / baseline.importCpuMs.p50),
    sourceMapLoaded,
  }));
}

export function formatInitTimes(times: readonly InitTime[]): string {
  return formatTable(
    ["function", "subject", "import p50 ms", "import p90 ms", "× baseline", "CPU p50 ms", "CPU × baseline", "ready p50 ms", "1st invoke p50 ms", "map at init"],
    times.map(({ functionId, name, importMs, importCpuMs, readyMs, firstInvokeMs, ratio, cpuRatio, sourceMapLoaded }) => [
      functionId,
      name,
      importMs.p50,
      importMs.p90,
      ratio.toFixed(2),
      importCpuMs.p50,
      cpuRatio.toFixed(2),
      readyMs.p50,
      firstInvokeMs?.p50 ?? "-",
      sourceMapLoaded ? "yes" : "no",
    ]),
  );
}
