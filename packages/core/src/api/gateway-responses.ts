import { problem, PROBLEM_CONTENT_TYPE, type ProblemStatus } from "../problem.js";

/**
 * API Gateway's own errors (it answers before or instead of a handler),
 * rewritten as problem documents. The Api stack declares them as gateway
 * responses; the local gateway answers with the same documents.
 * Keys are API Gateway response types.
 */
export const gatewayResponses = {
  UNAUTHORIZED: { status: 401, detail: "A valid API key is required in the x-api-key header." },
  ACCESS_DENIED: { status: 403, detail: "This API key may not call this route." },
  MISSING_AUTHENTICATION_TOKEN: { status: 404, detail: "No route matches this method and path." },
  RESOURCE_NOT_FOUND: { status: 404, detail: "No route matches this method and path." },
  BAD_REQUEST_PARAMETERS: { status: 400, detail: "A required request parameter is missing." },
  BAD_REQUEST_BODY: { status: 400, detail: "The request body is not valid." },
  REQUEST_TOO_LARGE: { status: 413, detail: "The request is larger than API Gateway accepts." },
  // The stage's throttling is a rate per second: a second later there is room again.
  THROTTLED: { status: 429, detail: "Too many requests; slow down and retry.", retryAfterSeconds: 1 },
  // The authorizer fails when it cannot read the keys in time (Secrets Manager slow or down), or cannot be
  // invoked (throttled, timed out); API Gateway reports an authorizer's error as one or the other: a 503 to retry.
  AUTHORIZER_FAILURE: { status: 503, detail: "API keys cannot be checked right now; try again shortly.", retryAfterSeconds: 1 },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 503, detail: "API keys cannot be checked right now; try again shortly.", retryAfterSeconds: 1 },
  INTEGRATION_FAILURE: { status: 502, detail: "The function failed to answer." },
  DEFAULT_4XX: { status: 400, detail: "The request could not be processed." },
  DEFAULT_5XX: { status: 502, detail: "The API failed to answer." },
  INTEGRATION_TIMEOUT: { status: 504, detail: "The function did not answer in time." },
} as const satisfies Record<string, { status: ProblemStatus; detail: string; retryAfterSeconds?: number }>;

export type GatewayResponseType = keyof typeof gatewayResponses;

/** What API Gateway sends for one of its own errors: status, body, and the headers beyond Content-Type. */
export function gatewayProblem(type: GatewayResponseType) {
  const response: { status: ProblemStatus; detail: string; retryAfterSeconds?: number } = gatewayResponses[type];
  const headers: Record<string, string> = response.retryAfterSeconds === undefined ? {} : { "Retry-After": String(response.retryAfterSeconds) };
  return { status: response.status, contentType: PROBLEM_CONTENT_TYPE, headers, body: problem(response.status, response.detail) };
}

/**
 * What a resource answers a method it lacks (RFC 9110 §15.5.6): 405 with `Allow` naming the methods
 * it has, OPTIONS (the CORS preflight) among them. The Api stack answers it with a mock integration on
 * each resource's `ANY` method, before any key check; the local gateway answers the same.
 */
export function methodNotAllowed(methods: readonly string[]) {
  const status = 405 satisfies ProblemStatus;
  const allow = [...methods, "OPTIONS"].join(", ");
  return {
    status,
    contentType: PROBLEM_CONTENT_TYPE,
    headers: { Allow: allow } as Record<string, string>,
    body: problem(status, `This resource has no such method; it has ${allow}, as the Allow header says.`),
  };
}
