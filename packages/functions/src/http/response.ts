import type { APIGatewayProxyResult } from "aws-lambda";
import { Conflict, DomainError, PROBLEM_CONTENT_TYPE, problem, type DomainErrorKind, type ProblemStatus } from "@users-api/core";

export type HttpResponse = APIGatewayProxyResult & { headers: Record<string, string> };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function noContent(headers: Record<string, string> = {}): HttpResponse {
  return { statusCode: 204, headers, body: "" };
}

export function problemResponse(
  status: ProblemStatus,
  detail: string,
  options: { errors?: readonly { path: string; message: string }[]; headers?: Record<string, string> } = {},
): HttpResponse {
  return {
    statusCode: status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...options.headers },
    body: JSON.stringify(problem(status, detail, options.errors)),
  };
}

const statusOfKind: Record<DomainErrorKind, ProblemStatus> = {
  ValidationFailed: 400,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  RequestInProgress: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  IdempotencyKeyReused: 422,
};

/** DynamoDB errors that mean "not now": throttled or unavailable after the SDK's own retries. */
const UNAVAILABLE_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "TransactionInProgressException",
]);

const NETWORK_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

export const RETRY_AFTER_SECONDS = "1";

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Powertools wraps persistence failures; the SDK error is the cause.
  if (error.cause !== undefined && isUnavailable(error.cause)) return true;
  const code = (error as { code?: unknown }).code;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return (
    UNAVAILABLE_ERRORS.has(error.name) ||
    (typeof code === "string" && NETWORK_ERROR_CODES.has(code)) ||
    (metadata?.httpStatusCode !== undefined && metadata.httpStatusCode >= 500)
  );
}

/**
 * The one place errors become HTTP: domain errors by kind, an unavailable
 * dependency as 503 with Retry-After, anything else as `undefined` (a bug:
 * the caller logs it and answers 500).
 */
export function responseForError(error: unknown): HttpResponse | undefined {
  if (error instanceof DomainError) {
    const errors = "errors" in error ? (error.errors as { path: string; message: string }[]) : undefined;
    const retryAfter =
      error.kind === "RequestInProgress"
        ? { "retry-after": RETRY_AFTER_SECONDS }
        : error instanceof Conflict && error.retryAfterSeconds !== undefined
          ? { "retry-after": String(error.retryAfterSeconds) }
          : undefined;
    return problemResponse(statusOfKind[error.kind], error.message, { errors, headers: retryAfter });
  }
  if (isUnavailable(error)) {
    return problemResponse(503, "A service the API depends on is unavailable, slow or throttled; try again shortly.", {
      headers: { "retry-after": RETRY_AFTER_SECONDS },
    });
  }
  return undefined;
}
