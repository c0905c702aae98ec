import { randomBytes, randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { gatewayProblem, type GatewayResponseType, type RouteDefinition } from "@users-api/core";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { InvokeOutcome } from "./execution-environment.js";
import {
  headerValue,
  parseApiRequest,
  proxyEvent,
  requestAuthorizerEvent,
  type ApiIdentity,
  type ApiRequest,
} from "./proxy-event.js";
import { httpResponseOf } from "./proxy-result.js";
import type { AuthorizerDecision } from "./request-authorizer.js";
import type { RouteTable } from "./route-table.js";

/** API Gateway's payload limit. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

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

export interface GatewayParts {
  readonly api: ApiIdentity;
  readonly routes: RouteTable;
  /** Header the authorizer's identity source names (`method.request.header.<name>`). */
  readonly identityHeader: string;
  authorize(identity: string, event: APIGatewayRequestAuthorizerEvent, traceRoot: string): Promise<AuthorizerDecision>;
  invoke(route: RouteDefinition, event: APIGatewayProxyEvent, traceRoot: string): Promise<InvokeOutcome>;
  readonly integrationTimeoutMs: number;
  readonly cors: CorsSettings;
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
  response.setHeader("x-amz-apigw-id", randomBytes(8).toString("base64").replace(/[+/=]/g, "A").slice(0, 11) + "=");
  if (statusCode !== 204 && statusCode !== 304) response.setHeader("Content-Length", body.length);
  response.end(body);
}

/** One of API Gateway's own answers, as the stack declares its gateway responses: a problem document, CORS-readable. */
function sendGatewayResponse(response: ServerResponse, requestId: string, type: GatewayResponseType, cors: CorsSettings) {
  const { status, contentType, headers, body } = gatewayProblem(type);
  const errorType = ERROR_TYPES[type];
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

async function handle(parts: GatewayParts, current: ApiRequest, response: ServerResponse) {
  const { requestId } = current;
  const match = parts.routes.match(current.method, current.path);
  if (!match) return sendGatewayResponse(response, requestId, "MISSING_AUTHENTICATION_TOKEN", parts.cors);
  if (match.kind === "preflight") {
    return send(response, requestId, 204, { ...preflightHeaders(parts.cors), "Content-Type": "application/json" }, Buffer.alloc(0));
  }

  // The identity source is required: without it API Gateway answers 401 and never calls the authorizer.
  const identity = headerValue(current.headers, parts.identityHeader);
  if (!identity) return sendGatewayResponse(response, requestId, "UNAUTHORIZED", parts.cors);
  const decision = await parts.authorize(identity, requestAuthorizerEvent(parts.api, current, match), current.traceRoot);
  if (!decision.allowed) return sendGatewayResponse(response, requestId, decision.response, parts.cors);

  const event = proxyEvent(parts.api, current, match, decision.output);
  const outcome = await withIntegrationTimeout(parts.invoke(match.route, event, current.traceRoot), parts.integrationTimeoutMs);
  if (outcome === INTEGRATION_TIMED_OUT) return sendGatewayResponse(response, requestId, "INTEGRATION_TIMEOUT", parts.cors);
  const result = outcome.ok ? httpResponseOf(outcome.payload) : undefined;
  if (!result) return sendGatewayResponse(response, requestId, "INTEGRATION_FAILURE", parts.cors);
  return send(response, requestId, result.statusCode, result.headers, result.body);
}

/**
 * Answers what the HTTP parser rejects before it is a request (an unknown or lower-case method, a
 * malformed header, headers over the size limit) with the gateway's own problem documents, not Node's
 * bare 400/431: headers too large are REQUEST_TOO_LARGE (413), anything else DEFAULT_4XX (400).
 */
export function clientErrorListener(cors: CorsSettings) {
  return (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!error.code?.startsWith("HPE_") || !socket.writable) return socket.destroy();
    const { status, contentType, headers, body } = gatewayProblem(error.code === "HPE_HEADER_OVERFLOW" ? "REQUEST_TOO_LARGE" : "DEFAULT_4XX");
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
  };
}

/** The REST API's front door: routes, authorizes, invokes and answers as API Gateway (REST, v1) does. */
export function gatewayListener(parts: GatewayParts): RequestListener {
  return (request, response) => {
    const receivedAt = new Date();
    readBody(request)
      .then(async (body) => {
        if (body === undefined) {
          const current = parseApiRequest(request, Buffer.alloc(0), receivedAt);
          return sendGatewayResponse(response, current.requestId, "REQUEST_TOO_LARGE", parts.cors);
        }
        await handle(parts, parseApiRequest(request, body, receivedAt), response);
      })
      .catch((error: unknown) => {
        // A client that went away needs no answer.
        if (request.destroyed && response.destroyed) return;
        console.error("local API Gateway failed on a request:", error);
        if (!response.headersSent) sendGatewayResponse(response, "unknown", "DEFAULT_5XX", parts.cors);
        else response.destroy();
      });
  };
}
