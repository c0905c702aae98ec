import { randomBytes, randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { gatewayProblem, methodNotAllowed, type GatewayResponseType, type RouteDefinition } from "@users-api/core";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { InvokeOutcome } from "./execution-environment.js";
import {
  headerValue,
  parseApiRequest,
  proxyEvent,
  requestAuthorizerEvent,
  type ApiIdentity,
  type ApiRequest,
} from "@users-api/emulators/api-gateway/proxy-event";
import { MAX_INVOCATION_REQUEST_BYTES } from "./lambda-limits.js";
import { httpResponseOf } from "./proxy-result.js";
import type { AuthorizerDecision } from "./request-authorizer.js";
import type { GatewayRoute, RouteSource } from "@users-api/emulators/api-gateway/route-table";
import type { AuthorizerOutput } from "@users-api/emulators/api-gateway/proxy-event";

/** API Gateway's payload limit. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

/**
 * How long a client has to send its request. API Gateway documents no separate limit for a client's upload;
 * its one documented bound on a request is the 29 s integration timeout ("50 milliseconds - 29 seconds",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html), and it holds no connection for
 * minutes while a client trickles a body in. So the headers and the whole request (headers and body) each get 29 s,
 * instead of Node's 60 s and 300 s, and a request still incomplete then is answered DEFAULT_4XX and closed.
 */
export const CLIENT_TIMEOUTS = { headersSeconds: 29, requestSeconds: 29 } as const;

/** Most connections open at once (see {@link connectionCap}): far above what one developer's tools open, far below the open-file limit. */
export const MAX_CONNECTIONS = 1000;

/** The `x-amzn-ErrorType` API Gateway sends with some of its own errors. */
const ERROR_TYPES: Partial<Record<GatewayResponseType, string>> = {
  UNAUTHORIZED: "UnauthorizedException",
  ACCESS_DENIED: "AccessDeniedException",
  MISSING_AUTHENTICATION_TOKEN: "MissingAuthenticationTokenException",
  AUTHORIZER_FAILURE: "AuthorizerConfigurationException",
  INTEGRATION_FAILURE: "InternalServerErrorException",
};

/** The REST API's CORS settings (`defaultCorsPreflightOptions` and the gateway responses' allowed origin). */
export interface CorsSettings {
  readonly allowOrigin: string;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/** What the mock integration CDK puts on every resource's `OPTIONS` method answers. */
const preflightHeaders = (cors: CorsSettings): Record<string, string> => ({
  "Access-Control-Allow-Headers": cors.allowHeaders.join(","),
  "Access-Control-Allow-Origin": cors.allowOrigin,
  ...(cors.allowOrigin === "*" ? {} : { Vary: "Origin" }),
  "Access-Control-Allow-Methods": cors.allowMethods.join(","),
  "Access-Control-Max-Age": String(cors.maxAgeSeconds),
});

/** One of API Gateway's own answers, as the API's gateway responses define it. */
export interface GatewayAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}
/** The response types the gateway answers with; API_CONFIGURATION_ERROR falls back to DEFAULT_5XX unless the API sets it. */
export type GatewayAnswerType = GatewayResponseType | "API_CONFIGURATION_ERROR" | "BAD_REQUEST_PARAMETERS" | "THROTTLED";
const defaultAnswer = (type: GatewayAnswerType) =>
  gatewayProblem(type === "API_CONFIGURATION_ERROR" ? "DEFAULT_5XX" : type === "BAD_REQUEST_PARAMETERS" || type === "THROTTLED" ? "DEFAULT_4XX" : type);

/**
 * The error type an `invoke` answers with when API Gateway cannot call the function at all (no
 * `Lambda::Permission` for the API): API Gateway then answers with its API_CONFIGURATION_ERROR response.
 */
export const API_CONFIGURATION_ERROR = "ApiGateway.ConfigurationError";

export interface GatewayParts<R extends GatewayRoute = RouteDefinition> {
  readonly api: ApiIdentity;
  readonly routes: RouteSource<R>;
  /** Header the authorizer's identity source names (`method.request.header.<name>`). */
  readonly identityHeader: string;
  authorize(identity: string, event: APIGatewayRequestAuthorizerEvent, traceRoot: string, route: R): Promise<AuthorizerDecision>;
  invoke(route: R, event: APIGatewayProxyEvent, traceRoot: string): Promise<InvokeOutcome>;
  readonly integrationTimeoutMs: number;
  readonly cors: CorsSettings;
  /** Whether the route's method has the authorizer. @default every route has it, as the Api stack declares */
  authorized?(route: R): boolean;
  /** The API's gateway response of a type. @default the stack's, from `gatewayProblem` */
  gatewayResponse?(type: GatewayAnswerType): GatewayAnswer | undefined;
  /** The headers of a resource's CORS preflight answer. @default those of `cors` */
  preflightAnswer?(resourcePath: string): Record<string, string> | undefined;
  /** The 405 a resource's `ANY` mock answers with. @default the stack's, from `methodNotAllowed` */
  methodNotAllowedAnswer?(resourcePath: string, methods: readonly string[]): GatewayAnswer | undefined;
  /** A check before the authorizer (the stage's throttling): the response type refusing the request, if any. */
  admit?(route: R, request: ApiRequest): GatewayAnswerType | undefined;
  /** A request validator's verdict on the request, after authorization: the response type refusing it, if any. */
  validate?(route: R, request: ApiRequest): GatewayAnswerType | undefined;
  /** Called with every answer sent (route when one matched), for metrics computed from what the gateway served. */
  onResponse?(route: R | undefined, statusCode: number): void;
}

/** Reads the whole body; `undefined` when it is over the limit (read to the end anyway, so the answer arrives). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_GATEWAY_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_GATEWAY_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

function send(response: ServerResponse, requestId: string, statusCode: number, headers: Record<string, string | string[]>, body: Buffer) {
  response.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader("x-amzn-RequestId", requestId);
  response.setHeader("x-amz-apigw-id", `${randomBytes(8).toString("base64").replace(/[+/=]/g, "A").slice(0, 11)}=`);
  if (statusCode !== 204 && statusCode !== 304) response.setHeader("Content-Length", body.length);
  response.end(body);
}

/** One of API Gateway's own answers, as the stack declares its gateway responses: a problem document, CORS-readable. */
function sendGatewayResponse(
  response: ServerResponse,
  requestId: string,
  type: GatewayAnswerType,
  cors: CorsSettings,
  answer: GatewayAnswer = defaultAnswer(type),
) {
  const { status, contentType, headers, body } = answer;
  const errorType = ERROR_TYPES[type as GatewayResponseType];
  send(
    response,
    requestId,
    status,
    {
      "Content-Type": contentType,
      ...headers,
      "Access-Control-Allow-Origin": cors.allowOrigin,
      ...(errorType ? { "x-amzn-ErrorType": errorType } : {}),
    },
    Buffer.from(JSON.stringify(body)),
  );
}

const INTEGRATION_TIMED_OUT = Symbol("integration timed out");

/** Waits for the function at most the integration timeout; the function itself runs on until its own timeout. */
async function withIntegrationTimeout(invocation: Promise<InvokeOutcome>, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof INTEGRATION_TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(INTEGRATION_TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([invocation, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function handle<R extends GatewayRoute>(parts: GatewayParts<R>, current: ApiRequest, response: ServerResponse) {
  const { requestId } = current;
  const match = parts.routes.match(current.method, current.path);
  const matched = match?.kind === "route" ? match.route : undefined;
  response.once("finish", () => parts.onResponse?.(matched, response.statusCode));
  const gatewayResponse = (type: GatewayAnswerType) => sendGatewayResponse(response, requestId, type, parts.cors, parts.gatewayResponse?.(type));
  if (!match) return gatewayResponse("MISSING_AUTHENTICATION_TOKEN");
  if (match.kind === "preflight") {
    const headers = parts.preflightAnswer?.(match.resourcePath) ?? preflightHeaders(parts.cors);
    return send(response, requestId, 204, { "Content-Type": "application/json", ...headers }, Buffer.alloc(0));
  }
  if (match.kind === "method-not-allowed") {
    // The stack's ANY mock on the resource: no authorizer, so no key is needed to learn what the resource allows.
    const { status, contentType, headers, body } = parts.methodNotAllowedAnswer?.(match.resourcePath, match.methods) ?? methodNotAllowed(match.methods);
    return send(
      response,
      requestId,
      status,
      { "Content-Type": contentType, ...headers, "Access-Control-Allow-Origin": parts.cors.allowOrigin },
      Buffer.from(JSON.stringify(body)),
    );
  }

  const throttled = parts.admit?.(match.route, current);
  if (throttled) return gatewayResponse(throttled);
  let authorizerOutput: AuthorizerOutput | undefined;
  if (parts.authorized?.(match.route) ?? true) {
    // The identity source is required: without it API Gateway answers 401 and never calls the authorizer.
    const identity = headerValue(current.headers, parts.identityHeader);
    if (!identity) return gatewayResponse("UNAUTHORIZED");
    const decision = await parts.authorize(identity, requestAuthorizerEvent(parts.api, current, match), current.traceRoot, match.route);
    if (!decision.allowed) return gatewayResponse(decision.response);
    authorizerOutput = decision.output;
  }
  const refused = parts.validate?.(match.route, current);
  if (refused) return gatewayResponse(refused);

  const event = proxyEvent(parts.api, current, match, authorizerOutput);
  // Lambda's Invoke refuses an event over its limit before any function runs (a binary body counts base64-encoded,
  // as it is in the event), and API Gateway answers 413: observed on AWS with a body under API Gateway's 10 MB,
  // https://github.com/koki-develop/lgtm-generator/issues/10 (there with API Gateway's own body, {"message": "Request Too Long"}).
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOCATION_REQUEST_BYTES) {
    return gatewayResponse("REQUEST_TOO_LARGE");
  }
  const outcome = await withIntegrationTimeout(parts.invoke(match.route, event, current.traceRoot), parts.integrationTimeoutMs);
  if (outcome === INTEGRATION_TIMED_OUT) return gatewayResponse("INTEGRATION_TIMEOUT");
  const result = outcome.ok ? httpResponseOf(outcome.payload) : undefined;
  if (!result) return gatewayResponse(!outcome.ok && outcome.error.errorType === API_CONFIGURATION_ERROR ? "API_CONFIGURATION_ERROR" : "INTEGRATION_FAILURE");
  return send(response, requestId, result.statusCode, result.headers, result.body);
}

/** Writes one of the gateway's problem documents straight onto a socket that has no response object, and ends it. */
function endWithGatewayProblem(socket: Duplex, type: GatewayResponseType, cors: CorsSettings) {
  const { status, contentType, headers, body } = gatewayProblem(type);
  const payload = JSON.stringify(body);
  const lines = Object.entries({
    "Content-Type": contentType,
    "Content-Length": String(Buffer.byteLength(payload)),
    ...headers,
    "Access-Control-Allow-Origin": cors.allowOrigin,
    "x-amzn-RequestId": randomUUID(),
    Connection: "close",
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join("")}\r\n${payload}`);
  // Whatever the client still sends is read and dropped, so closing does not reset the connection before it reads the answer.
  socket.resume();
  setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * Answers what the HTTP parser rejects before it is a request (an unknown or lower-case method, a
 * malformed header, headers over the size limit) with the gateway's own problem documents, not Node's
 * bare 400/431: headers too large are REQUEST_TOO_LARGE (413), anything else DEFAULT_4XX (400).
 * A request not received in time (headers or body, see {@link CLIENT_TIMEOUTS}) is DEFAULT_4XX too:
 * the Api stack gives every 4xx API Gateway raises on its own that document and status.
 */
export function clientErrorListener(cors: CorsSettings) {
  return (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answerable = error.code?.startsWith("HPE_") || error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (!answerable || !socket.writable) return socket.destroy();
    endWithGatewayProblem(socket, error.code === "HPE_HEADER_OVERFLOW" ? "REQUEST_TOO_LARGE" : "DEFAULT_4XX", cors);
  };
}

/**
 * `CONNECT` (a proxy tunnel) is no method of a REST API (API Gateway's are GET, POST, PUT, PATCH, DELETE, HEAD,
 * OPTIONS): answered as the other methods API Gateway does not know, DEFAULT_4XX (400), instead of Node's
 * silence (a server without a `connect` listener closes the socket without a word).
 */
export function connectListener(cors: CorsSettings) {
  return (_request: IncomingMessage, socket: Duplex) => endWithGatewayProblem(socket, "DEFAULT_4XX", cors);
}

/**
 * An HTTP/1.1 request without `Host` must get a 400 (RFC 9112 §3.2); API Gateway cannot even tell which API it is for.
 * Node answers it with a bare 400 unless the server is created with `requireHostHeader: false`; the gateway then
 * answers it here, with DEFAULT_4XX's problem document. Returns whether it answered.
 */
export function answeredMissingHost(request: IncomingMessage, response: ServerResponse, cors: CorsSettings): boolean {
  if (request.httpVersion !== "1.1" || request.headers.host !== undefined) return false;
  response.shouldKeepAlive = false;
  sendGatewayResponse(response, randomUUID(), "DEFAULT_4XX", cors);
  return true;
}

/**
 * Over `maxConnections` open connections, a new one is answered THROTTLED (429, API Gateway's answer when it is
 * over its limits) as soon as it opens, and closed, so stalled clients cannot hold every file descriptor of the
 * machine. Node's own `server.maxConnections` would close it without a word. `onConnection` goes first on the
 * server's `connection` event; a request that still arrives on a refused connection must get no second answer.
 */
export function connectionCap(maxConnections: number, cors: CorsSettings) {
  const open = new Set<Duplex>();
  const refused = new WeakSet<Duplex>();
  return {
    onConnection(socket: Duplex) {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      if (open.size <= maxConnections) return;
      refused.add(socket);
      endWithGatewayProblem(socket, "THROTTLED", cors);
    },
    refused: (socket: Duplex) => refused.has(socket),
  };
}

/** The REST API's front door: routes, authorizes, invokes and answers as API Gateway (REST, v1) does. */
export function gatewayListener<R extends GatewayRoute = RouteDefinition>(parts: GatewayParts<R>): RequestListener {
  return (request, response) => {
    const receivedAt = new Date();
    readBody(request)
      .then(async (body) => {
        if (body === undefined) {
          const current = parseApiRequest(request, Buffer.alloc(0), receivedAt);
          return sendGatewayResponse(response, current.requestId, "REQUEST_TOO_LARGE", parts.cors, parts.gatewayResponse?.("REQUEST_TOO_LARGE"));
        }
        await handle(parts, parseApiRequest(request, body, receivedAt), response);
      })
      .catch((error: unknown) => {
        // A client that went away needs no answer.
        if (request.destroyed && response.destroyed) return;
        console.error("local API Gateway failed on a request:", error);
        if (!response.headersSent) sendGatewayResponse(response, "unknown", "DEFAULT_5XX", parts.cors, parts.gatewayResponse?.("DEFAULT_5XX"));
        else response.destroy();
      });
  };
}
