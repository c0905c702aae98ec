import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from "aws-lambda";
import { allScopes, authorizer, type RouteDefinition } from "@users-api/core";
import {
  headerValue,
  integrationBody,
  proxyEvent as gatewayProxyEvent,
  requestAuthorizerEvent,
  type ApiIdentity,
  type ApiRequest,
  type RouteFound,
} from "@users-api/emulators/api-gateway/proxy-event";

const API_ID = "a1b2c3d4e5";
const ACCOUNT_ID = "123456789012";
const REGION = "us-east-1";
const STAGE = "test";

export interface RequestOptions {
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as its UTF-8 bytes; a Buffer as those bytes. */
  readonly body?: unknown;
  /** What the authorizer put in its context; every scope unless told. */
  readonly scopes?: string;
  readonly keyName?: string;
}

/** `/users/{userId}` with its parameters filled in, as API Gateway reports `path`. */
const fillPath = (resource: string, parameters: Readonly<Record<string, string>>) =>
  resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(parameters[name] ?? ""));

const api: ApiIdentity = { apiId: API_ID, stage: STAGE, region: REGION, accountId: ACCOUNT_ID };

/** The request as the local gateway would have parsed it, so the events are the ones it sends. */
function apiRequest(route: RouteDefinition, options: RequestOptions, withKey: boolean): { request: ApiRequest; match: RouteFound } {
  const pathParameters = options.pathParameters ?? {};
  const body =
    options.body === undefined
      ? null
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(typeof options.body === "string" ? options.body : JSON.stringify(options.body), "utf8");
  const headers: Record<string, string> = {
    Accept: "application/json",
    Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    "User-Agent": "vitest",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
    ...(withKey ? { [authorizer.identityHeader]: "uak_presented-key" } : {}),
    ...(body === null ? {} : { "Content-Type": "application/json" }),
    ...options.headers,
  };
  const query = options.query && Object.keys(options.query).length > 0 ? { ...options.query } : null;
  const request: ApiRequest = {
    requestId: randomUUID(),
    extendedRequestId: randomUUID(),
    receivedAt: new Date(),
    method: route.method,
    path: fillPath(route.path, pathParameters),
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    // As API Gateway passes it: JSON media types base64-encoded.
    ...integrationBody(body ?? Buffer.alloc(0), headerValue(headers, "content-type")),
    sourceIp: "203.0.113.7",
    protocol: "HTTP/1.1",
    traceRoot: `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
  };
  const match: RouteFound = { kind: "route", route, pathParameters: Object.keys(pathParameters).length > 0 ? { ...pathParameters } : null };
  return { request, match };
}

/**
 * An API Gateway REST (v1) proxy event for a route, shaped as API Gateway
 * sends it after a Lambda REQUEST authorizer accepted the key.
 */
export function proxyEvent(route: RouteDefinition, options: RequestOptions = {}): APIGatewayProxyEvent {
  const { request, match } = apiRequest(route, options, true);
  const keyName = options.keyName ?? "test-client";
  return gatewayProxyEvent(api, request, match, {
    principalId: keyName,
    context: { keyName, scopes: options.scopes ?? allScopes.join(" ") },
    integrationLatency: 12,
  });
}

/** The event API Gateway sends a Lambda REQUEST authorizer for one call. */
export function authorizerEvent(route: RouteDefinition, headers: Readonly<Record<string, string>>): APIGatewayRequestAuthorizerEvent {
  const { request, match } = apiRequest(route, { headers }, false);
  return requestAuthorizerEvent(api, request, match);
}

/** The Lambda context of one invocation, with the function's 10 s timeout. */
export function lambdaContext(functionName: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2024/05/01/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
