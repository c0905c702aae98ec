/** One attempt of an AWS call gets this long; DynamoDB, Secrets Manager and SSM answer in milliseconds. */
const REQUEST_TIMEOUT_MS = 2_000;
/** Connecting (TCP) gets this long. */
const CONNECTION_TIMEOUT_MS = 1_000;
/** Attempts per call, the first included, so a call gives up after about 2 × 2 s. */
const MAX_ATTEMPTS = 2;

/**
 * The SDK settings of every AWS client the functions use (DynamoDB, including Powertools idempotency's
 * persistence layer; Secrets Manager in the authorizer; SSM for Config.Secret values): a dependency
 * that is slow or hangs fails the call after {@link MAX_ATTEMPTS} attempts of {@link REQUEST_TIMEOUT_MS}
 * (plus the SDK's backoff, under 0.3 s), which the handlers answer with 503 and Retry-After. Even two
 * such calls one after the other (a create that fails, then Powertools deleting its in-progress record)
 * end well inside the function timeout, instead of Lambda timing out with a 502.
 */
export const awsClientConfig = {
  maxAttempts: MAX_ATTEMPTS,
  requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
} as const;

/**
 * Longest a call can take before it fails: every attempt timing out (the request timeout runs from the
 * start of the attempt, connecting included), plus the SDK's backoff between attempts (under 0.3 s).
 */
export const worstCallMs = MAX_ATTEMPTS * REQUEST_TIMEOUT_MS + 300;
