import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { etagOf, routes, type FunctionDefinition, type LogLevel, type RouteDefinition } from "@users-api/core";
import { createApiKey } from "@users-api/emulators/api-keys";
import { functionNode } from "@users-api/local/gateway/function-node";
import { lambdaEnvironment, localAwsEnvironment } from "@users-api/local/gateway";
import { proxyEvent, requestAuthorizerEvent, type ApiIdentity, type ApiRequest } from "@users-api/emulators/api-gateway/proxy-event";
import { clientsFor, type LocalStage } from "@users-api/emulators/stage";
import { summarizeLatencies, type LatencySummary } from "@users-api/capacity/loadtest/stats";
import { functionBundling } from "@users-api/functions/function-bundling";
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
let firstStatus = null;
let firstInvokeCpuMs = null;
let secondInvokeMs = null;
if (process.argv[2]) {
  // Sampled, as nearly every request is at low traffic (X-Ray's default rule samples the first request of each second).
  process.env._X_AMZN_TRACE_ID = "Root=1-" + Math.floor(Date.now() / 1000).toString(16) + "-" + crypto.randomUUID().replaceAll("-", "").slice(0, 24) + ";Parent=0000000000000001;Sampled=1";
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: "$LATEST", memoryLimitInMB: "512",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + process.env.AWS_LAMBDA_FUNCTION_NAME,
    awsRequestId: crypto.randomUUID(), logGroupName: "bench", logStreamName: "bench", callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10000, done() {}, fail() {}, succeed() {},
  };
  const invoked = performance.now();
  const invokeCpuBefore = process.cpuUsage();
  const result = await loaded.handler(JSON.parse(process.argv[2]), context).catch((error) => {
    if (error?.message !== "Unauthorized") throw error;
    return { statusCode: 401 };
  });
  firstInvokeMs = performance.now() - invoked;
  const invokeCpu = process.cpuUsage(invokeCpuBefore);
  firstInvokeCpuMs = (invokeCpu.user + invokeCpu.system) / 1000;
  firstStatus = result?.statusCode ?? (result?.principalId ? 200 : null);
  // The same request again, warm: what the first one would have taken without the cold start.
  context.awsRequestId = crypto.randomUUID();
  const again = performance.now();
  await loaded.handler(JSON.parse(process.argv[3]), context).catch((error) => {
    if (error?.message !== "Unauthorized") throw error;
  });
  secondInvokeMs = performance.now() - again;
}
process.stdout.write("\\n" + JSON.stringify({ importMs, importCpuMs, readyMs, firstInvokeMs, firstInvokeCpuMs, secondInvokeMs, firstStatus, sourceMapLoaded }), () => process.exit(0));
`;

const minimalDefinition: FunctionDefinition = {
  id: "Minimal",
  handler: "minimal-handler.handler",
  bind: [],
  tableAccess: {},
  apiKeysSecretAccess: [],
};

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
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
  /** The event of the cold request (a new one for every process), when it is measured. */
  readonly event?: () => unknown;
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
  /** The first invocation right after import (its trace sampled), when measured. */
  readonly firstInvokeMs: LatencySummary | null;
  /** CPU time of the first invocation (its waits on the emulators excluded), when measured. */
  readonly firstInvokeCpuMs: LatencySummary | null;
  /** Import CPU p50 plus first-invocation CPU p50: the ratio that holds on a busy machine. */
  readonly coldStartCpuMs: number | null;
  /** The second invocation, warm (the same request, new ids), when measured. */
  readonly secondInvokeMs: LatencySummary | null;
  /**
   * What a cold start adds to its request: from the process's start to the handler being ready
   * (Node's boot and the import), plus the first invocation's excess over the warm one.
   */
  readonly coldStartAddsMs: number | null;
  /** The status codes the first invocations answered (the authorizer's allow counts as 200). */
  readonly firstStatuses: readonly number[];
  /** Import p50 plus first-invocation p50: what a cold start adds to its request. */
  readonly coldStartMs: number | null;
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
  readonly firstInvokeCpuMs: number | null;
  readonly secondInvokeMs: number | null;
  readonly firstStatus: number | null;
  readonly sourceMapLoaded: boolean;
}

async function probe(node: string, subject: Subject): Promise<Sample> {
  const args = ["--input-type=module", "-e", IMPORT_PROBE, pathToFileURL(subject.mainFile).href];
  if (subject.event !== undefined) args.push(JSON.stringify(subject.event()), JSON.stringify(subject.event()));
  const { stdout } = await run(node, args, { env: subject.env, cwd: join(subject.mainFile, ".."), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stderr?: string }) => {
      // Not the whole minified line Node quotes before the error.
      const stderr = (error.stderr ?? "")
        .split("\n")
        .filter((line) => line.length < 500)
        .join("\n");
      throw new Error(`${subject.functionId} (${subject.name}) failed:\n${stderr}`);
    },
  );
  // The function's own log lines come first.
  return JSON.parse(stdout.slice(stdout.lastIndexOf("\n") + 1)) as Sample;
}

/**
 * Events of the cold requests measured, one per function, new for every process: a list, a create, a read,
 * a replace, a patch and a delete of a missing user (each still makes its DynamoDB call), the authorizer
 * with a valid key.
 */
function coldRequestEvents(stage: LocalStage, apiKey: string): Record<string, () => unknown> {
  const api: ApiIdentity = { apiId: "bench", stage: stage.stage, region: stage.region, accountId: "123456789012" };
  // Asserted rather than annotated: the contract branch adds isBase64Encoded to ApiRequest.
  const request = (route: RouteDefinition, path: string, headers: Record<string, string> = {}, body: unknown = null) => {
    const all = { "x-api-key": apiKey, ...headers };
    return {
      requestId: randomUUID(),
      extendedRequestId: randomBytes(8).toString("hex"),
      receivedAt: new Date(),
      method: route.method,
      path,
      headers: all,
      multiValueHeaders: Object.fromEntries(Object.entries(all).map(([name, value]) => [name, [value]])),
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: body === null ? null : JSON.stringify(body),
      isBase64Encoded: false,
      sourceIp: "127.0.0.1",
      protocol: "HTTP/1.1",
      traceRoot: "1-00000000-000000000000000000000000",
    } as ApiRequest;
  };
  const allowed = { principalId: "bench", context: { keyName: "bench", scopes: "users:read users:write" }, integrationLatency: 0 };
  const user = () => ({ email: `bench-${randomUUID()}@example.com`, name: "Bench User" });
  const json = { "content-type": "application/json" };
  const ifMatch = { "if-match": etagOf(1) };
  const onUser =
    (route: RouteDefinition, headers: Record<string, string> = {}, body: () => unknown = () => null) =>
    () => {
      const userId = randomUUID();
      return proxyEvent(api, request(route, `/users/${userId}`, headers, body()), { kind: "route", route, pathParameters: { userId } }, allowed);
    };
  return {
    listUsers: () => proxyEvent(api, request(routes.listUsers, "/users"), { kind: "route", route: routes.listUsers, pathParameters: null }, allowed),
    createUser: () =>
      proxyEvent(api, request(routes.createUser, "/users", json, user()), { kind: "route", route: routes.createUser, pathParameters: null }, allowed),
    createUserWithKey: () =>
      proxyEvent(
        api,
        request(routes.createUser, "/users", { ...json, "idempotency-key": randomUUID() }, user()),
        { kind: "route", route: routes.createUser, pathParameters: null },
        allowed,
      ),
    getUser: onUser(routes.getUser),
    replaceUser: onUser(routes.replaceUser, { ...json, ...ifMatch }, user),
    patchUser: onUser(routes.patchUser, { "content-type": "application/merge-patch+json", ...ifMatch }, () => ({ name: "Patched" })),
    deleteUser: onUser(routes.deleteUser, ifMatch),
    authorizer: () => requestAuthorizerEvent(api, request(routes.listUsers, "/users"), { kind: "route", route: routes.listUsers, pathParameters: null }),
  };
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
  const node = functionNode();
  // Stands in for the X-Ray daemon: the sampled first invocations send their segments here, and they are dropped.
  const daemon = createSocket("udp4").on("message", () => undefined);
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", () => resolve()));
  try {
    return await measureAll(options, node.path, `127.0.0.1:${daemon.address().port}`);
  } finally {
    await new Promise<void>((resolve) => daemon.close(() => resolve()));
  }
}

async function measureAll(options: Parameters<typeof measureInitTimes>[0], nodePath: string, xrayDaemonAddress: string): Promise<InitTime[]> {
  const { stage, logLevel } = options;
  const environmentOf = (definition: FunctionDefinition, taskRoot: string) =>
    lambdaEnvironment(definition, stage, {
      logLevel,
      aws: localAwsEnvironment(stage),
      placement: { taskRoot, runtimeDir: taskRoot, handler: definition.handler, xrayDaemonAddress, logStreamName: "bench" },
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
    ? (await leverVariants(join(options.workDir, "levers"))).map(({ name, functionId, definition, mainFile, env, event }) => ({
        functionId,
        name,
        mainFile,
        env: { ...environmentOf(definition, join(mainFile, "..")), ...env },
        event: events[event ?? Object.keys(routes).find((route) => routes[route as keyof typeof routes] === definition) ?? "authorizer"],
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
      const sample = await probe(nodePath, subject);
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
      secondInvokeMs: summarizeLatencies(taken.flatMap(({ secondInvokeMs }) => (secondInvokeMs === null ? [] : [secondInvokeMs]))),
      firstInvokeCpuMs: summarizeLatencies(taken.flatMap(({ firstInvokeCpuMs }) => (firstInvokeCpuMs === null ? [] : [firstInvokeCpuMs]))),
      firstStatuses: [...new Set(taken.flatMap(({ firstStatus }) => (firstStatus === null ? [] : [firstStatus])))].sort(),
      sourceMapLoaded: taken.some(({ sourceMapLoaded }) => sourceMapLoaded),
    };
  });
  const baseline = summaries[0]!;
  return summaries.map(({ subject, importMs, importCpuMs, readyMs, firstInvokeMs, firstInvokeCpuMs, secondInvokeMs, firstStatuses, sourceMapLoaded }) => ({
    functionId: subject.functionId,
    name: subject.name,
    runs: options.runs,
    importMs,
    importCpuMs,
    readyMs,
    firstInvokeMs,
    firstStatuses,
    coldStartMs: firstInvokeMs ? ms(importMs.p50 + firstInvokeMs.p50) : null,
    firstInvokeCpuMs,
    secondInvokeMs,
    coldStartAddsMs: firstInvokeMs && secondInvokeMs ? ms(readyMs.p50 + firstInvokeMs.p50 - secondInvokeMs.p50) : null,
    coldStartCpuMs: firstInvokeCpuMs ? ms(importCpuMs.p50 + firstInvokeCpuMs.p50) : null,
    ratio: ms(importMs.p50 / baseline.importMs.p50),
    cpuRatio: ms(importCpuMs.p50 / baseline.importCpuMs.p50),
    sourceMapLoaded,
  }));
}

export function formatInitTimes(times: readonly InitTime[]): string {
  return formatTable(
    [
      "function",
      "subject",
      "import p50 ms",
      "import p90 ms",
      "× baseline",
      "CPU p50 ms",
      "CPU × baseline",
      "ready p50 ms",
      "1st invoke p50 ms",
      "import + 1st",
      "1st CPU p50 ms",
      "import + 1st CPU",
      "warm p50 ms",
      "cold adds ms",
      "1st status",
      "map at init",
    ],
    times.map(
      ({
        functionId,
        name,
        importMs,
        importCpuMs,
        readyMs,
        firstInvokeMs,
        coldStartMs,
        firstInvokeCpuMs,
        coldStartCpuMs,
        secondInvokeMs,
        coldStartAddsMs,
        firstStatuses,
        ratio,
        cpuRatio,
        sourceMapLoaded,
      }) => [
        functionId,
        name,
        importMs.p50,
        importMs.p90,
        ratio.toFixed(2),
        importCpuMs.p50,
        cpuRatio.toFixed(2),
        readyMs.p50,
        firstInvokeMs?.p50 ?? "-",
        coldStartMs ?? "-",
        firstInvokeCpuMs?.p50 ?? "-",
        coldStartCpuMs ?? "-",
        secondInvokeMs?.p50 ?? "-",
        coldStartAddsMs ?? "-",
        firstStatuses.join(" ") || "-",
        sourceMapLoaded ? "yes" : "no",
      ],
    ),
  );
}
