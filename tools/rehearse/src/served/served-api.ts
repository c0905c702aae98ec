import { createServer } from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { GetPolicyCommand } from "@aws-sdk/client-lambda";
import type { ApiIdentity } from "@users-api/emulators/api-gateway/proxy-event";
import { RouteTable, type RouteMatch, type RouteSource } from "@users-api/emulators/api-gateway/route-table";
import type { InvokeOutcome } from "@users-api/local/gateway/execution-environment";
import { API_CONFIGURATION_ERROR, clientErrorListener, gatewayListener, type CorsSettings, type GatewayAnswer } from "@users-api/local/gateway/http-gateway";
import { RequestAuthorizer } from "@users-api/local/gateway/request-authorizer";
import type { EmulatorAccess } from "../checker/clients.js";
import { readDeployedApi, restApiIdOf, type DeployedApi, type DeployedRoute, type MockAnswer } from "./deployed-api.js";
import { splitFunctionArn, startDeployedFunctions, type DeployedClients, type DeployedFunctions } from "./deployed-functions.js";
import type { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";

/** The moto account the rehearsal deploys into. */
const ACCOUNT_ID = "123456789012";

/** API Gateway's integration timeout for REST APIs. */
const INTEGRATION_TIMEOUT_MS = 29_000;

/** Something the served stage saw go wrong in the app, named by route or function. */
export interface ServedFault {
  /** `GET /users/{userId}`, or the function name for the authorizer. */
  readonly subject: string;
  readonly cause: string;
}

export interface ServeDeployedApiOptions {
  readonly clients: DeployedClients & { readonly apiGateway: APIGatewayClient; readonly cloudFormation: CloudFormationClient };
  readonly emulator: EmulatorAccess;
  /** The Api stack's name (`<stage>-<app>-Api`): its REST API is served. */
  readonly apiStackName: string;
  /** Code, runtime and function logs go here. */
  readonly workDir: string;
  /** @default 0 (a free port); the host is always 127.0.0.1 */
  readonly port?: number;
  /** Added to every function's variables (see DeployedFunctionsOptions.runtimeEnvironment). */
  readonly runtimeEnvironment?: Readonly<Record<string, string>>;
}

export interface ServedApi {
  /** The stage's base URL (`${url}/users`), without a trailing slash. */
  readonly url: string;
  readonly api: DeployedApi;
  readonly functions: DeployedFunctions;
  /**
   * Faults seen so far: invocations API Gateway had no Lambda::Permission for, functions that failed
   * (init errors, missing handlers, timeouts, crashes), and AWS calls a deployed role refused.
   */
  faults(): readonly ServedFault[];
  /** Every answer served: the route (when one matched) and the status, for metrics computed from them. */
  responses(): readonly { readonly route?: string; readonly status: number }[];
  /** Milliseconds from each request's arrival to its answer's last byte, in order. */
  requestDurationsMs(): readonly number[];
  stop(): Promise<void>;
}

/** IAM-style wildcards in a permission's SourceArn. */
const arnPattern = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

interface PermissionStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Principal?: { Service?: string } | string;
  readonly Condition?: { ArnLike?: Record<string, string>; ArnEquals?: Record<string, string> };
}

/** Whether the function's resource policy (its Lambda::Permission statements) lets API Gateway invoke it from `sourceArn`. */
export async function apiGatewayMayInvoke(lambda: DeployedClients["lambda"], functionArn: string, sourceArn: string): Promise<boolean> {
  const { functionName, qualifier } = splitFunctionArn(functionArn);
  const policy = await lambda.send(new GetPolicyCommand({ FunctionName: functionName, Qualifier: qualifier })).catch(() => undefined);
  if (!policy?.Policy) return false;
  const { Statement = [] } = JSON.parse(policy.Policy) as { Statement?: PermissionStatement[] };
  return Statement.some((statement) => {
    const actions = typeof statement.Action === "string" ? [statement.Action] : (statement.Action ?? []);
    const service = typeof statement.Principal === "object" ? statement.Principal.Service : statement.Principal;
    const condition = statement.Condition?.ArnLike?.["AWS:SourceArn"] ?? statement.Condition?.ArnEquals?.["AWS:SourceArn"];
    return (
      statement.Effect === "Allow" &&
      actions.some((action) => action === "lambda:InvokeFunction" || action === "lambda:*") &&
      service === "apigateway.amazonaws.com" &&
      (condition === undefined || arnPattern(condition).test(sourceArn))
    );
  });
}

/** A static answer in the shape the gateway sends its own answers in. */
function asGatewayAnswer(answer: MockAnswer): GatewayAnswer {
  const { "Content-Type": contentType = "application/json", ...headers } = answer.headers;
  let body: unknown = {};
  try {
    body = JSON.parse(answer.body || "{}");
  } catch {
    body = { message: answer.body };
  }
  return { status: answer.status, contentType, headers, body };
}

/**
 * The deployed API's resources: a method the resource lacks reaches its `ANY` mock (405) only when the
 * deployed resource has one, else API Gateway's missing-authentication-token answer.
 */
class DeployedRoutes implements RouteSource<DeployedRoute> {
  readonly #table: RouteTable<DeployedRoute>;
  constructor(private readonly api: DeployedApi) {
    this.#table = new RouteTable(api.routes);
  }
  match(method: string, rawPath: string): RouteMatch<DeployedRoute> | undefined {
    const match = this.#table.match(method, rawPath);
    if (match?.kind === "method-not-allowed" && !this.api.mocks.get(match.resourcePath)?.has("ANY")) return undefined;
    if (match?.kind === "preflight" && !this.api.mocks.get(match.resourcePath)?.has("OPTIONS")) return undefined;
    return match;
  }
}

/** The stage's throttling: a token bucket of `burstLimit` tokens refilled at `rateLimit` a second. */
function throttleOf(api: DeployedApi) {
  if (!api.throttle) return () => false;
  const { rateLimit, burstLimit } = api.throttle;
  let tokens = burstLimit;
  let refilledAt = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(burstLimit, tokens + ((now - refilledAt) / 1000) * rateLimit);
    refilledAt = now;
    if (tokens < 1) return true;
    tokens -= 1;
    return false;
  };
}

/** A request parameter a validator requires, as API Gateway reads it from the request. */
function hasParameter(
  key: string,
  request: { headers: Record<string, string>; queryStringParameters: Record<string, string> | null },
  pathParametersPresent: boolean,
) {
  const [, location, name = ""] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(key) ?? [];
  if (location === "header") return Object.keys(request.headers).some((header) => header.toLowerCase() === name.toLowerCase());
  if (location === "querystring") return request.queryStringParameters?.[name] !== undefined;
  return pathParametersPresent;
}

/**
 * Serves a REST API as the emulator holds it after `sst deploy`, through the local API Gateway emulator
 * with the deployed definition as its route source: the deployed resources and methods, the Lambda
 * REQUEST authorizer, request validators and required parameters, AWS_PROXY integrations to the Lambda
 * ARN each names (with its alias, resolved to the alias's version), the mock methods (CORS preflights, the
 * 405 answers), the gateway responses and the stage's throttling. An invocation the function's
 * Lambda::Permission does not allow answers API_CONFIGURATION_ERROR, as API Gateway does. The functions
 * run as deployed (see startDeployedFunctions), under their deployed roles.
 *
 * @example
 * const served = await serveDeployedApi({ clients, emulator, apiStackName: "prod-users-api-Api", workDir });
 * await fetch(`${served.url}/users`, { headers: { "x-api-key": key } });
 * await served.stop();
 */
export async function serveDeployedApi(options: ServeDeployedApiOptions): Promise<ServedApi> {
  const { clients, emulator } = options;
  const restApiId = await restApiIdOf(clients.cloudFormation, options.apiStackName);
  const api = await readDeployedApi(clients.apiGateway, restApiId);
  const authorizerArns = [...api.authorizers.values()].map((authorizer) => authorizer.functionArn);
  const functions = await startDeployedFunctions({
    clients,
    emulator,
    workDir: options.workDir,
    runtimeEnvironment: options.runtimeEnvironment,
    functionArns: [...api.routes.map((route) => route.functionArn), ...authorizerArns],
  });
  const faults: ServedFault[] = [];
  const served: { route?: string; status: number }[] = [];
  const fault = (subject: string, cause: string) => {
    if (!faults.some((known) => known.subject === subject && known.cause === cause)) faults.push({ subject, cause });
  };
  const identity: ApiIdentity = { apiId: restApiId, stage: api.stageName, region: emulator.region, accountId: ACCOUNT_ID };
  const executeApiArn = `arn:aws:execute-api:${emulator.region}:${ACCOUNT_ID}:${restApiId}`;

  /** Invokes as API Gateway does: only with the function's permission, and reports what went wrong. */
  const invokeAs = async (subject: string, functionArn: string, sourceArn: string, event: unknown, traceRoot: string): Promise<InvokeOutcome> => {
    if (!(await apiGatewayMayInvoke(clients.lambda, functionArn, sourceArn))) {
      fault(subject, `API Gateway may not invoke ${functionArn}: no Lambda::Permission allows ${sourceArn}`);
      return { ok: false, error: { errorType: API_CONFIGURATION_ERROR, errorMessage: "Invalid permissions on Lambda function" } };
    }
    const outcome = await functions.invoke(functionArn, event, traceRoot);
    // An authorizer refusing a key ("Unauthorized") is an answer, not a fault.
    if (!outcome.ok && outcome.error.errorMessage !== "Unauthorized")
      fault(subject, `${splitFunctionArn(functionArn).functionName} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return outcome;
  };

  const [authorizer] = api.authorizers.values();
  const requestAuthorizers = new Map(
    [...api.authorizers.values()].map((deployed) => [
      deployed.id,
      new RequestAuthorizer(
        (event, traceRoot) => invokeAs(`authorizer ${deployed.id}`, deployed.functionArn, `${executeApiArn}/authorizers/${deployed.id}`, event, traceRoot),
        deployed.ttlSeconds * 1000,
      ),
    ]),
  );
  const preflight = [...api.mocks.values()].find((byMethod) => byMethod.has("OPTIONS"))?.get("OPTIONS");
  const cors: CorsSettings = {
    allowOrigin: preflight?.headers["Access-Control-Allow-Origin"] ?? "*",
    allowMethods: (preflight?.headers["Access-Control-Allow-Methods"] ?? "").split(",").filter(Boolean),
    allowHeaders: (preflight?.headers["Access-Control-Allow-Headers"] ?? "").split(",").filter(Boolean),
    maxAgeSeconds: Number(preflight?.headers["Access-Control-Max-Age"] ?? 0),
  };
  const throttled = throttleOf(api);
  const routeName = (route: DeployedRoute) => `${route.method} ${route.path}`;

  const listener = gatewayListener<DeployedRoute>({
    api: identity,
    routes: new DeployedRoutes(api),
    identityHeader: authorizer?.identityHeader ?? "x-api-key",
    authorized: (route) => route.authorizationType === "CUSTOM" && route.authorizerId !== undefined,
    // The gateway calls authorize only for routes with an authorizer; the event names the method it guards.
    authorize: (identityValue, event, traceRoot, route) => {
      const deployed = requestAuthorizers.get(route.authorizerId ?? "");
      if (!deployed) return Promise.resolve({ allowed: false, response: "AUTHORIZER_FAILURE" });
      return deployed.authorize(identityValue, event, traceRoot);
    },
    invoke: (route, event, traceRoot) =>
      invokeAs(routeName(route), route.functionArn, `${executeApiArn}/${api.stageName}/${route.method}${route.path}`, event, traceRoot),
    integrationTimeoutMs: INTEGRATION_TIMEOUT_MS,
    cors,
    gatewayResponse: (type) => {
      const deployed =
        api.gatewayResponses.get(type) ??
        api.gatewayResponses.get(type.endsWith("5XX") || type === "API_CONFIGURATION_ERROR" || type.startsWith("INTEGRATION") ? "DEFAULT_5XX" : "DEFAULT_4XX");
      return deployed && asGatewayAnswer(deployed);
    },
    preflightAnswer: (resourcePath) => api.mocks.get(resourcePath)?.get("OPTIONS")?.headers,
    methodNotAllowedAnswer: (resourcePath) => {
      const mock = api.mocks.get(resourcePath)?.get("ANY");
      return mock && asGatewayAnswer(mock);
    },
    admit: () => (throttled() ? "THROTTLED" : undefined),
    validate: (route, request) => {
      if (!route.requestValidatorId || !api.validators.get(route.requestValidatorId)?.validateRequestParameters) return undefined;
      const missing = Object.entries(route.requestParameters).some(([key, required]) => required && !hasParameter(key, request, true));
      return missing ? "BAD_REQUEST_PARAMETERS" : undefined;
    },
    onResponse: (route, status) => served.push({ route: route && routeName(route), status }),
  });
  const durationsMs: number[] = [];
  const server = createServer((request, response) => {
    const started = performance.now();
    response.once("finish", () => durationsMs.push(performance.now() - started));
    return listener(request, response);
  });
  server.on("clientError", clientErrorListener(cors));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    api,
    functions,
    faults() {
      // A 5xx a function answered itself: the portable suite never expects one.
      const serverErrors = new Map<string, number>();
      for (const { route, status } of served) if (route && status >= 500) serverErrors.set(route, (serverErrors.get(route) ?? 0) + 1);
      const answered = [...serverErrors]
        .filter(([route]) => !faults.some((known) => known.subject === route))
        .map(([route, count]) => {
          const fn = functions.functions.get(api.routes.find((candidate) => routeName(candidate) === route)?.functionArn ?? "");
          return {
            subject: route,
            cause: `answered 5xx ${count} time(s); ${fn ? `${fn.functionName}'s log: ${path.join(options.workDir, `${fn.functionName}.log`)}` : ""}`,
          };
        });
      const denied = functions.iam
        .denials()
        .map((call) => ({ subject: call.functionId, cause: `its deployed role does not allow ${call.action} on ${call.resource}` }));
      return [
        ...faults,
        ...answered,
        ...denied.filter((entry, index) => denied.findIndex((other) => other.cause === entry.cause && other.subject === entry.subject) === index),
      ];
    },
    responses: () => [...served],
    requestDurationsMs: () => [...durationsMs],
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await functions.stop();
    },
  };
}
