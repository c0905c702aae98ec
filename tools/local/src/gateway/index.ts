import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
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
import { startIamProxy, type IamProxy, type IamProxyOptions } from "../iam/proxy.js";
import type { LocalStage } from "@users-api/emulators/stage";
import { apiReferencePage } from "./api-reference.js";
import { bundleFunctions } from "./bundle.js";
import { LOCAL_LOG_LEVEL, lambdaEnvironment, lambdaFunctionName } from "@users-api/emulators/environment";
import { FunctionPool } from "./function-pool.js";
import { GracefulStop } from "./graceful-stop.js";
import {
  CLIENT_TIMEOUTS,
  MAX_CONNECTIONS,
  answeredMissingHost,
  clientErrorListener,
  connectListener,
  connectionCap,
  gatewayListener,
  type CorsSettings,
} from "./http-gateway.js";
import type { ApiIdentity } from "@users-api/emulators/api-gateway/proxy-event";
import { RequestAuthorizer } from "./request-authorizer.js";
import { RouteTable } from "@users-api/emulators/api-gateway/route-table";
import { StartLimiter } from "./start-limiter.js";

export { LOCAL_LOG_LEVEL, configuredEnvironment, lambdaEnvironment, lambdaFunctionName, localAwsEnvironment } from "@users-api/emulators/environment";
export type { EnvironmentPlacement, LambdaEnvironmentOptions } from "@users-api/emulators/environment";
export { CLIENT_TIMEOUTS, MAX_CONNECTIONS, MAX_GATEWAY_BODY_BYTES, type CorsSettings } from "./http-gateway.js";
export { MAX_INVOCATION_REQUEST_BYTES, MAX_INVOCATION_RESPONSE_BYTES } from "./lambda-limits.js";
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
  /**
   * How long a client has to send its request's headers, and the whole request, before it is answered 400 and closed.
   * @default CLIENT_TIMEOUTS (29 s each, API Gateway's bound)
   */
  readonly clientTimeouts?: { readonly headersSeconds: number; readonly requestSeconds: number };
  /** Most connections open at once; one more is answered 429 and closed. @default MAX_CONNECTIONS */
  readonly maxConnections?: number;
  /** Powertools log level of every function. @default LOCAL_LOG_LEVEL, what personal stages use */
  readonly logLevel?: LogLevel;
  /**
   * The IAM proxy every function's AWS calls go through, with its grants enforced; the caller stops it.
   * @default one started for these functions on the stage's emulators, stopped with the API
   */
  readonly iamProxy?: IamProxy;
  /** Where the IAM proxy this API starts sends a function's allowed calls (a fault behind the IAM check). */
  readonly iamUpstreamsFor?: IamProxyOptions["upstreamsFor"];
  /**
   * Variables changed in a function's configuration (a fault, such as a handler that does not exist).
   * They may not name an AWS endpoint or credential: those always come from the IAM proxy.
   */
  readonly environmentOverridesFor?: (functionId: string) => Record<string, string>;
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
  /** The IAM proxy the functions' AWS calls go through (its `usage()` and `denials()` say what they did). */
  readonly iam: IamProxy;
  /**
   * Stops taking connections, lets the requests in flight finish (at most the drain timeout),
   * then closes every connection and ends every execution environment.
   * @returns how many requests were still unanswered when the drain timeout cut them off
   */
  stop(): Promise<{ readonly cutOff: number }>;
}

/** Variables that would let a function's AWS calls go around the IAM proxy or as another identity. */
const AWS_ACCESS_VARIABLE = /^AWS_(ENDPOINT_URL|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE)/;

function functionOverrides(functionId: string, overridesFor: LocalApiOptions["environmentOverridesFor"]): Record<string, string> {
  const overrides = overridesFor?.(functionId) ?? {};
  const refused = Object.keys(overrides).filter((name) => AWS_ACCESS_VARIABLE.test(name));
  if (refused.length > 0) {
    throw new Error(
      `${functionId}: ${refused.join(", ")} would send its AWS calls around the IAM proxy; place a fault behind it with iamUpstreamsFor instead.`,
    );
  }
  return overrides;
}

/**
 * On stop, how long a connection that has not delivered a request yet is given to do so: a request sent just before
 * Ctrl-C may still be unread in the socket buffer, on a busy machine for a while.
 */
const UNREAD_REQUEST_GRACE_MS = 2000;

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
  const overrides = new Map(definitions.map(({ id }) => [id, functionOverrides(id, options.environmentOverridesFor)]));
  const bundles = await bundleFunctions(definitions, options.buildDir);
  if (options.iamProxy && options.iamUpstreamsFor) throw new Error("Give either iamProxy or iamUpstreamsFor (for the proxy the API starts), not both.");
  const ownIamProxy = options.iamProxy ? undefined : await startIamProxy({ stage, functions: definitions, upstreamsFor: options.iamUpstreamsFor });
  const iam = options.iamProxy ?? ownIamProxy!;

  const xray = await startXrayDaemonSink();
  const logs = new Map<string, WriteStream>();
  const pools = new Map<string, FunctionPool>();
  const cors = corsOf(options, routes);
  const { server, cap, graceful } = gatewayServer(options, cors);
  const drainTimeoutMs = (options.drainTimeoutSeconds ?? options.functionTimeoutSeconds ?? functionDefaults.timeoutSeconds) * 1000;
  const stop = async () => {
    const { cutOff } = await graceful.stop(drainTimeoutMs);
    await Promise.all([...pools.values()].map((pool) => pool.stop()));
    await ownIamProxy?.stop();
    await xray.close();
    await Promise.all([...logs.values()].map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
    return { cutOff };
  };

  let documents: Readonly<Record<string, unknown>> = {};
  try {
    if (options.logDir) openFunctionLogs(logs, options.logDir, definitions);
    const startLimiter = new StartLimiter(Math.max(2, availableParallelism()));
    for (const definition of definitions) {
      const aws = { ...overrides.get(definition.id), ...iam.environmentFor(definition.id) };
      pools.set(
        definition.id,
        functionPoolOf(definition, { options, bundles, aws, log: logs.get(definition.id), xrayAddress: xray.address, cors, startLimiter }),
      );
    }
    const invoke = poolInvoker(pools, stage, (options.functionTimeoutSeconds ?? functionDefaults.timeoutSeconds) * 1000);
    const requestAuthorizer = new RequestAuthorizer(
      (event, traceRoot) => invoke(authorizerFunction, event, traceRoot),
      (options.authorizerCacheTtlSeconds ?? authorizerDefinition.resultsCacheTtlSeconds) * 1000,
    );
    const listener = gatewayListener({
      api: { apiId: apiIdOf(stage), stage: stage.stage, region: stage.region, accountId: LOCAL_ACCOUNT_ID } satisfies ApiIdentity,
      routes: new RouteTable(routes),
      identityHeader: authorizerDefinition.identityHeader,
      authorize: (identity, event, traceRoot) => requestAuthorizer.authorize(identity, event, traceRoot),
      invoke: (route, event, traceRoot) => invoke(route, event, traceRoot),
      integrationTimeoutMs: (options.integrationTimeoutSeconds ?? 29) * 1000,
      cors,
    });
    serveDocumentsThenApi(server, { cap, cors, apiReference: options.apiReference, documents: () => documents, listener });
    await listen(server, options.port ?? 0);
  } catch (error) {
    await stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  documents = options.documents?.(url) ?? {};
  return { url, iam, stop };
}

/** The CORS settings the functions and the gateway answer with: the options', or the API's one policy. */
function corsOf(options: LocalApiOptions, routes: readonly RouteDefinition[]): CorsSettings {
  return (
    options.cors ?? {
      allowOrigin: "*",
      // Fixture routes add methods of their own; the rest is the API's one policy.
      allowMethods: [...new Set(routes.map((route) => route.method))],
      allowHeaders: corsPolicy.allowHeaders,
      maxAgeSeconds: corsPolicy.maxAgeSeconds,
    }
  );
}

/**
 * The HTTP server with API Gateway's client limits: its timeouts for headers and the whole request, the cap on
 * open connections, and the graceful stop that answers every request a client sent before it.
 */
function gatewayServer(options: LocalApiOptions, cors: CorsSettings) {
  const clientTimeouts = options.clientTimeouts ?? CLIENT_TIMEOUTS;
  const server = createServer({
    // A request without Host gets the gateway's problem document (answeredMissingHost), not Node's bare 400.
    requireHostHeader: false,
    headersTimeout: clientTimeouts.headersSeconds * 1000,
    requestTimeout: clientTimeouts.requestSeconds * 1000,
    // Node checks the two timeouts only this often (30 s by default, which would double them).
    connectionsCheckingInterval: Math.min(1000, clientTimeouts.headersSeconds * 250),
  });
  const cap = connectionCap(options.maxConnections ?? MAX_CONNECTIONS, cors);
  server.prependListener("connection", cap.onConnection);
  const graceful = new GracefulStop(server, { unreadGraceMs: UNREAD_REQUEST_GRACE_MS, ignores: (socket) => cap.refused(socket) });
  return { server, cap, graceful };
}

/** One log file a function, appended to across runs. */
function openFunctionLogs(logs: Map<string, WriteStream>, logDir: string, definitions: readonly FunctionDefinition[]) {
  mkdirSync(logDir, { recursive: true });
  for (const { id } of definitions) logs.set(id, createWriteStream(join(logDir, `${id}.log`), { flags: "a" }));
}

/** A function's pool of execution environments, each running its bundle with the variables Lambda would give it. */
function functionPoolOf(
  definition: FunctionDefinition,
  parts: {
    options: LocalApiOptions;
    bundles: Awaited<ReturnType<typeof bundleFunctions>>;
    aws: Readonly<Record<string, string>>;
    log: WriteStream | undefined;
    xrayAddress: string;
    cors: CorsSettings;
    startLimiter: StartLimiter;
  },
) {
  const { options, bundles, aws, log, xrayAddress, cors, startLimiter } = parts;
  const bundle = bundles.functions.get(definition.id);
  if (!bundle) throw new Error(`No bundle for ${definition.id}`);
  const spec = {
    functionId: definition.id,
    bootstrap: bundles.bootstrap,
    taskRoot: bundle.taskRoot,
    memorySizeMb: functionDefaults.memorySize,
    initTimeoutMs: INIT_TIMEOUT_MS,
    log,
    environment: (logStreamName: string) =>
      lambdaEnvironment(definition, options.stage, {
        logLevel: options.logLevel ?? LOCAL_LOG_LEVEL,
        corsAllowOrigin: cors.allowOrigin,
        aws,
        placement: {
          taskRoot: bundle.taskRoot,
          runtimeDir: dirname(bundles.bootstrap),
          handler: bundle.handler,
          xrayDaemonAddress: xrayAddress,
          logStreamName,
        },
      }),
  };
  return new FunctionPool(spec, {
    maxEnvironments: options.maxEnvironmentsPerFunction ?? 25,
    idleTimeoutMs: (options.idleEnvironmentSeconds ?? 600) * 1000,
    startLimiter,
  });
}

/** Invokes a function as Lambda's Invoke does: a request id, its ARN, a trace header, its timeout. */
function poolInvoker(pools: ReadonlyMap<string, FunctionPool>, stage: LocalApiOptions["stage"], functionTimeoutMs: number) {
  return (definition: FunctionDefinition, event: unknown, traceRoot: string) => {
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
}

/**
 * The server's answers: what the HTTP parser rejects, CONNECT and a request without Host as API Gateway would,
 * nothing more on a connection over the cap; then the reference page and the documents; the rest to the gateway.
 */
function serveDocumentsThenApi(
  server: Server,
  parts: {
    cap: ReturnType<typeof connectionCap>;
    cors: CorsSettings;
    apiReference: LocalApiOptions["apiReference"];
    documents: () => Readonly<Record<string, unknown>>;
    listener: RequestListener;
  },
) {
  const { cap, cors, listener } = parts;
  server.on("clientError", clientErrorListener(cors));
  server.on("connect", connectListener(cors));
  const referencePage = parts.apiReference && apiReferencePage(parts.apiReference.documentPath);
  server.on("request", (request, response) => {
    if (cap.refused(request.socket) || answeredMissingHost(request, response, cors)) return;
    if (referencePage?.(request, response)) return;
    const document = request.method === "GET" ? parts.documents()[request.url ?? ""] : undefined;
    if (document === undefined) return listener(request, response);
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(document));
  });
}

function listen(server: Server, port: number) {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}
