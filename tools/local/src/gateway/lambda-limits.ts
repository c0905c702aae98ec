/**
 * Lambda's synchronous invocation payload limits, which the emulators do not enforce. They apply to the
 * serialized event and result (API Gateway has already base64-encoded a binary body into the event).
 * The exact byte counts are the ones Lambda names in its errors:
 * "… byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)" (Invoke's
 * RequestEntityTooLargeException) and "Response payload size exceeded maximum allowed payload size
 * (6291556 bytes)." (Function.ResponseSizeTooLarge).
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("6 MB each for request and response")
 */
export const MAX_INVOCATION_REQUEST_BYTES = 6_291_456;
export const MAX_INVOCATION_RESPONSE_BYTES = 6_291_556;

/** What Lambda says when a function's result is over {@link MAX_INVOCATION_RESPONSE_BYTES}. */
export const RESPONSE_TOO_LARGE_ERROR = {
  errorType: "Function.ResponseSizeTooLarge",
  errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_INVOCATION_RESPONSE_BYTES} bytes).`,
} as const;
