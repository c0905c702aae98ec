import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import {
  authorizer as authorizerDefinition,
  corsPolicy,
  functionDefaults,
  routeList,
  type FunctionDefinition,
  type LogLevel,
  type RouteDefinition,
} from "@users-api/core";
import { LOCAL_ACCOUNT_ID } from "../iam/arns.js";
import type { LocalStage } from "../stage.js";
import { apiReferencePage } from "./api-reference.js";
import { bundleFunctions } from "./bundle.js";
import { LOCAL_LOG_LEVEL, lambdaEnvironment, lambdaFunctionName, localAwsEnvironment } from "./environment.js";
import { FunctionPool } from "./function-pool.js";
import { clientErrorListener, gatewayListener, type CorsSettings } from "./http-gateway.js";
import type { ApiIdentity } from "./proxy-event.js";
import { RequestAuthorizer } from "./request-authorizer.js";
import { RouteTable } from "./route-table.js";
import { StartLimiter } from "./start-limiter.js";

export { LOCAL_LOG_LEVEL, configuredEnvironment, lambdaEnvironment, lambdaFunctionName, localAwsEnvironment } from "./environment.js";
export type { EnvironmentPlacement, LambdaEnvironmentOptions } from "./environment.js";
export { MAX_GATEWAY_BODY_BYTES, type CorsSettings } from "./http-gateway.js";
export { API_REFERENCE_PATH } from "./api-reference.js";

export interface LocalApiOptions {
  readonly stage: LocalStage;
  /** @default 0 (a free port); the host is always 127.0.0.1 */
  readonly port?: number;
  /** Where the bundles go, one directory per function. */
  readonly buildDir: string;
  /** Each function's output goes to `<logDir>/<FunctionId>.log`; discarded when absent. */
  readonly logDir?: string;
  /** @default the routes and the authorizer of `@users-api/core` */
  readonly functions?: { readonly routes?: readonly RouteDefinition[]; readonly authorizer?: FunctionDefinition };
  /** @default authorizer.resultsCacheTtlSeconds */
  readonly authorizerCacheTtlSeconds?: number;
  /** @default functionDefaults.timeoutSeconds */
  readonly functionTimeoutSeconds?: number;
  /** @default 29, API Gateway's limit */
  readonly integrationTimeoutSeconds?: number;
  /** Powertools log level of every function. @default LOCAL_LOG_LEVEL, what personal stages use */
  readonly logLevel?: LogLevel;
  /** Per-function AWS_* endpoint and credential variables. @default the emulators, with dummy credentials */
  readonly awsEnvironmentFor?: (functionId: string) => Record<string, string>;
  /**
   * The REST API's CORS settings. @default what the Api stack sets for a personal stage: any origin, the
   * routes' methods, the headers the API reads, an hour's preflight cache
   */
  readonly cors?: CorsSettings;
  /** Most execution environments per function. @default 25 */
  readonly maxEnvironmentsPerFunction?: number;
  /** An execution environment idle this long is reclaimed, as Lambda reclaims idle ones. @default 600 */
  readonly idleEnvironmentSeconds?: number;
  /**
   * How long `stop()` waits for requests already being answered before it closes their connections.
   * @default functionTimeoutSeconds (no function runs longer)
   */
  readonly drainTimeoutSeconds?: number;
  /**
   * JSON documents served without a key on `GET <path>`, beside the API (e.g. `/openapi.json`);
   * a local convenience, not part of the API Gateway emulation. Given the base URL once it is known.
   */
  readonly documents?: (url: string) => Readonly<Record<string, unknown>>;
  /** Serves the API reference page at `/docs` for the document at this path (one of `documents`), without a key. */
  readonly apiReference?: { readonly documentPath: string };
}

export interface LocalApi {
  /** Base URL, without a trailing slash: `${url}/users`. */
  readonly url: string;
  /**
   * Stops taking connections, lets the requests in flight finish (at most the drain timeout),
   * then closes every connection and ends every execution environment.
   * @returns how many requests were still unanswered when the drain timeout cut them off
   */
  stop(): Promise<{ readonly cutOff: number }>;
}

/** Lambda's init phase has its own limit. */
const INIT_TIMEOUT_MS = 10_000;

/** A stable API id per app and stage, shaped like API Gateway's. */
const apiIdOf = (stage: LocalStage) => createHash("sha256").update(`${stage.app}/${stage.stage}`).digest("hex").slice(0, 10);

/** Takes the X-Ray segments the functions' tracers send (UDP), as the Lambda's X-Ray daemon would, and drops them. */
async function startXrayDaemonSink() {
  const socket = createSocket("udp4");
  socket.on("message", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  return { address: `127.0.0.1:${socket.address().port}`, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/**
 * Runs the REST API locally the way API Gateway and Lambda run it on AWS:
 * every function bundled as SST bundles it, each in its own execution
 * environments (child processes with exactly the function's environment),
 * behind a gateway that routes, runs the Lambda REQUEST authorizer with its
 * cache, and answers its own errors with the API's problem documents.
 *
 * @example
 * const api = await startLocalApi({ stage, buildDir: ".local/build", logDir: ".local/logs" });
 * await fetch(`${api.url}/users`, { headers: { "x-api-key": key } });
 * await api.stop();
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const { stage } = options;
  const routes = options.functions?.routes ?? routeList;
  const authorizerFunction = options.functions?.authorizer ?? authorizerDefinition;
  const definitions = [...routes, authorizerFunction];
  const functionTimeoutMs = (options.functionTimeoutSeconds ?? functionDefaults.timeoutSeconds) * 1000;
  const routeTable = new RouteTable(routes);
  const bundles = await bundleFunctions(definitions, options.buildDir);

  const xray = await startXrayDaemonSink();
  const logs = new Map<string, WriteStream>();
  const pools = new Map<string, FunctionPool>();
  const server = createServer();
  const drainTimeoutMs = (options.drainTimeoutSeconds ?? options.functionTimeoutSeconds ?? functionDefaults.timeoutSeconds) * 1000;
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let onDrained: (() => void) | undefined;
  server.on("request", (_request, response) => {
    inFlight.add(response);
    // While draining, each answer is the connection's last, so kept-alive connections close as they finish.
    if (draining) response.shouldKeepAlive = false;
    response.once("close", () => {
      inFlight.delete(response);
      if (draining && inFlight.size === 0) onDrained?.();
    });
  });
  const stop = async () => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const response of inFlight) response.shouldKeepAlive = false;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      if (inFlight.size === 0) return resolve();
      onDrained = resolve;
      timer = setTimeout(resolve, drainTimeoutMs);
    });
    clearTimeout(timer);
    const cutOff = inFlight.size;
    server.closeAllConnections();
    await Promise.all([closed, ...[...pools.values()].map((pool) => pool.stop())]);
    await xray.close();
    await Promise.all([...logs.values()].map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
    return { cutOff };
  };

  let documents: Readonly<Record<string, unknown>> = {};
  try {
    if (options.logDir) {
      mkdirSync(options.logDir, { recursive: true });
      for (const { id } of definitions) logs.set(id, createWriteStream(join(options.logDir, `${id}.log`), { flags: "a" }));
    }
    const awsEnvironmentFor = options.awsEnvironmentFor ?? (() => localAwsEnvironment(stage));
    const startLimiter = new StartLimiter(Math.max(2, availableParallelism()));
    const cors: CorsSettings = options.cors ?? {
      allowOrigin: "*",
      // Fixture routes add methods of their own; the rest is the API's one policy.
      allowMethods: [...new Set(routes.map((route) => route.method))],
      allowHeaders: corsPolicy.allowHeaders,
      maxAgeSeconds: corsPolicy.maxAgeSeconds,
    };
    for (const definition of definitions) {
      const bundle = bundles.functions.get(definition.id);
      if (!bundle) throw new Error(`No bundle for ${definition.id}`);
      const aws = awsEnvironmentFor(definition.id);
      const spec = {
        functionId: definition.id,
        bootstrap: bundles.bootstrap,
        taskRoot: bundle.taskRoot,
        memorySizeMb: functionDefaults.memorySize,
        initTimeoutMs: INIT_TIMEOUT_MS,
        log: logs.get(definition.id),
        environment: (logStreamName: string) =>
          lambdaEnvironment(definition, stage, {
            logLevel: options.logLevel ?? LOCAL_LOG_LEVEL,
            corsAllowOrigin: cors.allowOrigin,
            aws,
            placement: {
              taskRoot: bundle.taskRoot,
              runtimeDir: dirname(bundles.bootstrap),
              handler: bundle.handler,
              xrayDaemonAddress: xray.address,
              logStreamName,
            },
          }),
      };
      pools.set(
        definition.id,
        new FunctionPool(spec, {
          maxEnvironments: options.maxEnvironmentsPerFunction ?? 25,
          idleTimeoutMs: (options.idleEnvironmentSeconds ?? 600) * 1000,
          startLimiter,
        }),
      );
    }

    const api: ApiIdentity = { apiId: apiIdOf(stage), stage: stage.stage, region: stage.region, accountId: LOCAL_ACCOUNT_ID };
    const invoke = (definition: FunctionDefinition, event: unknown, traceRoot: string) => {
      const pool = pools.get(definition.id);
      if (!pool) throw new Error(`No function ${definition.id}`);
      return pool.invoke(
        {
          requestId: randomUUID(),
          event,
          invokedFunctionArn: `arn:aws:lambda:${stage.region}:${LOCAL_ACCOUNT_ID}:function:${lambdaFunctionName(stage, definition.id)}`,
          traceId: `Root=${traceRoot};Parent=${randomBytes(8).toString("hex")};Sampled=1`,
        },
        functionTimeoutMs,
      );
    };
    const requestAuthorizer = new RequestAuthorizer(
      (event, traceRoot) => invoke(authorizerFunction, event, traceRoot),
      (options.authorizerCacheTtlSeconds ?? authorizerDefinition.resultsCacheTtlSeconds) * 1000,
    );
    const listener = gatewayListener({
        api,
        routes: routeTable,
        identityHeader: authorizerDefinition.identityHeader,
        authorize: (identity, event, traceRoot) => requestAuthorizer.authorize(identity, event, traceRoot),
        invoke: (route, event, traceRoot) => invoke(route, event, traceRoot),
        integrationTimeoutMs: (options.integrationTimeoutSeconds ?? 29) * 1000,
        cors,
      });
    server.on("clientError", clientErrorListener(cors));
    const referencePage = options.apiReference && apiReferencePage(options.apiReference.documentPath);
    server.on("request", (request, response) => {
      if (referencePage?.(request, response)) return;
      const document = request.method === "GET" ? documents[request.url ?? ""] : undefined;
      if (document === undefined) return listener(request, response);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  documents = options.documents?.(url) ?? {};
  return { url, stop };
}
