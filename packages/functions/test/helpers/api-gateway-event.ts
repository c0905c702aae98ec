import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from "aws-lambda";
import { allScopes, authorizer, type RouteDefinition } from "@users-api/core";

const API_ID = "a1b2c3d4e5";
const ACCOUNT_ID = "123456789012";
const REGION = "us-east-1";
const STAGE = "test";

export interface RequestOptions {
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string is sent as it is. */
  readonly body?: unknown;
  /** What the authorizer put in its context; every scope unless told. */
  readonly scopes?: string;
  readonly keyName?: string;
}

/** `/users/{userId}` with its parameters filled in, as API Gateway reports `path`. */
const fillPath = (resource: string, parameters: Readonly<Record<string, string>>) =>
  resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(parameters[name] ?? ""));

/**
 * An API Gateway REST (v1) proxy event for a route, shaped as API Gateway
 * sends it after a Lambda REQUEST authorizer accepted the key.
 */
export function proxyEvent(route: RouteDefinition, options: RequestOptions = {}): APIGatewayProxyEvent {
  const pathParameters = options.pathParameters ?? {};
  const path = fillPath(route.path, pathParameters);
  const body = options.body === undefined ? null : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    Accept: "application/json",
    Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    "User-Agent": "vitest",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
    [authorizer.identityHeader]: "uak_presented-key",
    ...(body === null ? {} : { "Content-Type": "application/json" }),
    ...options.headers,
  };
  const query = options.query && Object.keys(options.query).length > 0 ? { ...options.query } : null;
  const keyName = options.keyName ?? "test-client";
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    pathParameters: Object.keys(pathParameters).length > 0 ? { ...pathParameters } : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      authorizer: { keyName, scopes: options.scopes ?? allScopes.join(" "), principalId: keyName, integrationLatency: 12 },
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      httpMethod: route.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "203.0.113.7",
        user: null,
        userAgent: "vitest",
        userArn: null,
      },
      path: `/${STAGE}${path}`,
      protocol: "HTTP/1.1",
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: "abc123",
      resourcePath: route.path,
      stage: STAGE,
    },
  };
}

/** The event API Gateway sends a Lambda REQUEST authorizer for one call. */
export function authorizerEvent(route: RouteDefinition, headers: Readonly<Record<string, string>>): APIGatewayRequestAuthorizerEvent {
  const proxy = proxyEvent(route, { headers });
  const presented = { ...proxy.headers };
  if (!Object.hasOwn(headers, authorizer.identityHeader)) delete presented[authorizer.identityHeader];
  return {
    type: "REQUEST",
    methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${API_ID}/${STAGE}/${route.method}${route.path.replace(/\{\w+\}/g, "*")}`,
    resource: proxy.resource,
    path: proxy.path,
    httpMethod: proxy.httpMethod,
    headers: presented,
    multiValueHeaders: Object.fromEntries(Object.entries(presented).map(([name, value]) => [name, [value ?? ""]])),
    pathParameters: proxy.pathParameters,
    queryStringParameters: proxy.queryStringParameters,
    multiValueQueryStringParameters: proxy.multiValueQueryStringParameters,
    stageVariables: null,
    requestContext: { ...proxy.requestContext, authorizer: undefined },
  };
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
