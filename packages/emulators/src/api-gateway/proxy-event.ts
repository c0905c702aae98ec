import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayEventIdentity, APIGatewayEventRequestContextWithAuthorizer, APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { mediaTypeOf, requestBodyMediaTypes } from "@users-api/core";
import type { GatewayRoute, RouteMatch } from "./route-table.js";

/** Where the local API "is deployed": the parts of its ARNs and request context. */
export interface ApiIdentity {
  readonly apiId: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
}

/** An HTTP request as API Gateway has parsed it, before it picks a route. */
export interface ApiRequest {
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly receivedAt: Date;
  readonly method: string;
  /** The path as sent, without the query string. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly body: string | null;
  /** Whether `body` is base64: see {@link integrationBody}. */
  readonly isBase64Encoded: boolean;
  readonly sourceIp: string;
  readonly protocol: string;
  /** X-Ray trace root of the request (`1-<hex time>-<24 hex>`). */
  readonly traceRoot: string;
}

const decode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** Headers as API Gateway passes them: original case, repeated ones grouped, the last value in `headers`. */
function groupHeaders(rawHeaders: readonly string[]) {
  // A Map, as for the query: a header may be named `constructor`.
  const grouped = new Map<string, string[]>();
  const nameOf = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? "";
    const value = rawHeaders[index + 1] ?? "";
    const key = nameOf.get(name.toLowerCase()) ?? name;
    nameOf.set(name.toLowerCase(), key);
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(grouped);
  return multiValueHeaders;
}

/** Query parameters, decoded as REST APIs decode them; `null` when there are none. */
function parseQuery(rawQuery: string) {
  // A Map: a parameter may be named like any member of Object.prototype (valueOf, constructor, __proto__).
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split(/[&;]/)) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decode(pair.slice(equals + 1));
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  if (values.size === 0) return { single: null, multi: null };
  const multi: Record<string, string[]> = Object.fromEntries(values);
  const single = Object.fromEntries([...values].map(([name, list]) => [name, list.at(-1) ?? ""]));
  return { single, multi };
}

const lastValues = (multiValueHeaders: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(multiValueHeaders).map(([name, list]) => [name, list.at(-1) ?? ""]));

/** Finds a header case-insensitively (the last value, as `headers` holds it). */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(headers).find(([key]) => key.toLowerCase() === lower)?.[1];
}

/**
 * A body as API Gateway passes it to a Lambda proxy integration: base64 when
 * its Content-Type is one of the API's binary media types (`requestBodyMediaTypes`,
 * parameters aside), otherwise decoded as UTF-8 text.
 */
export function integrationBody(bytes: Buffer, contentType: string | undefined): { body: string | null; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { body: null, isBase64Encoded: false };
  const binary = contentType !== undefined && (requestBodyMediaTypes as readonly string[]).includes(mediaTypeOf(contentType));
  return { body: bytes.toString(binary ? "base64" : "utf8"), isBase64Encoded: binary };
}

/** Reads what API Gateway sees of a request; it adds the forwarding and trace headers a client does not send. */
export function parseApiRequest(request: IncomingMessage, body: Buffer, receivedAt: Date): ApiRequest {
  const url = request.url ?? "/";
  const queryStart = url.indexOf("?");
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = parseQuery(queryStart < 0 ? "" : url.slice(queryStart + 1));
  const sourceIp = request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1";
  const traceRoot = `1-${Math.floor(receivedAt.getTime() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const multiValueHeaders = groupHeaders(request.rawHeaders);
  const forwardedFor = headerValue(lastValues(multiValueHeaders), "x-forwarded-for");
  const added: Record<string, string> = {
    "X-Amzn-Trace-Id": `Root=${traceRoot}`,
    "X-Forwarded-For": forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp,
    "X-Forwarded-Port": String(request.socket.localPort ?? 80),
    "X-Forwarded-Proto": "http",
  };
  for (const [name, value] of Object.entries(added)) {
    const existing = Object.keys(multiValueHeaders).find((key) => key.toLowerCase() === name.toLowerCase());
    if (existing) delete multiValueHeaders[existing];
    multiValueHeaders[name] = [value];
  }
  return {
    requestId: randomUUID(),
    extendedRequestId: `${randomBytes(10).toString("base64").replace(/[+/=]/g, "A").slice(0, 14)}=`,
    receivedAt,
    method: request.method ?? "GET",
    path,
    headers: lastValues(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    ...integrationBody(body, headerValue(lastValues(multiValueHeaders), "content-type")),
    sourceIp,
    protocol: `HTTP/${request.httpVersion}`,
    traceRoot,
  };
}

/** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>`, what authorizer policies name. */
export const methodArn = (api: ApiIdentity, request: ApiRequest) =>
  `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/${request.method}${request.path}`;

/** `dd/MMM/yyyy:HH:mm:ss +0000`, API Gateway's request time. */
function requestTime(date: Date): string {
  const month = date.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** A stable resource id per resource path, like API Gateway's. */
const resourceIdOf = (resourcePath: string) =>
  Buffer.from(resourcePath)
    .toString("base64")
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .padEnd(6, "0")
    .slice(-6);

function requestContext<Authorizer>(
  api: ApiIdentity,
  request: ApiRequest,
  resourcePath: string,
  authorizer: Authorizer,
): APIGatewayEventRequestContextWithAuthorizer<Authorizer> {
  const identity: APIGatewayEventIdentity = {
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
    sourceIp: request.sourceIp,
    user: null,
    userAgent: headerValue(request.headers, "user-agent") ?? null,
    userArn: null,
  };
  return {
    resourceId: resourceIdOf(resourcePath),
    resourcePath,
    httpMethod: request.method,
    extendedRequestId: request.extendedRequestId,
    requestTime: requestTime(request.receivedAt),
    path: `/${api.stage}${request.path}`,
    accountId: api.accountId,
    protocol: request.protocol,
    stage: api.stage,
    domainPrefix: api.apiId,
    requestTimeEpoch: request.receivedAt.getTime(),
    requestId: request.requestId,
    identity,
    domainName: `${api.apiId}.execute-api.${api.region}.amazonaws.com`,
    apiId: api.apiId,
    authorizer,
  };
}

export type RouteFound = Extract<RouteMatch<GatewayRoute>, { kind: "route" }>;

/** What both the authorizer's event and the proxy event say of the request. */
const requestFields = (request: ApiRequest, match: RouteFound) => ({
  resource: match.route.path,
  path: request.path,
  httpMethod: request.method,
  headers: request.headers,
  multiValueHeaders: request.multiValueHeaders,
  queryStringParameters: request.queryStringParameters,
  multiValueQueryStringParameters: request.multiValueQueryStringParameters,
  pathParameters: match.pathParameters,
  stageVariables: null,
});

/** The event a Lambda REQUEST authorizer receives. */
export function requestAuthorizerEvent(api: ApiIdentity, request: ApiRequest, match: RouteFound): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: methodArn(api, request),
    ...requestFields(request, match),
    requestContext: requestContext(api, request, match.route.path, undefined),
  };
}

/** What the authorizer allowed the request with: its context (values as strings, as REST APIs pass them) and principal. */
export interface AuthorizerOutput {
  readonly principalId: string;
  readonly context: Readonly<Record<string, string>>;
  readonly integrationLatency: number;
}

/** The Lambda proxy integration event (payload format 1.0). */
export function proxyEvent(api: ApiIdentity, request: ApiRequest, match: RouteFound, authorizer: AuthorizerOutput | undefined): APIGatewayProxyEvent {
  return {
    ...requestFields(request, match),
    // A method without an authorizer passes no authorizer context.
    requestContext: requestContext(
      api,
      request,
      match.route.path,
      authorizer && { ...authorizer.context, principalId: authorizer.principalId, integrationLatency: authorizer.integrationLatency },
    ),
    body: request.body,
    isBase64Encoded: request.isBase64Encoded,
  };
}
