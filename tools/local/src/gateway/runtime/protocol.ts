/** Messages between the gateway and an execution environment's runtime bootstrap (over the IPC channel). */

/** An error as Lambda reports it to the caller. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export interface InvokeMessage {
  readonly type: "invoke";
  readonly requestId: string;
  /** The event, serialized as Lambda passes it. */
  readonly event: string;
  /** Epoch milliseconds at which the function times out. */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  /** Set as `_X_AMZN_TRACE_ID` for the invocation, as Lambda does. */
  readonly traceId: string;
}

export type RuntimeMessage =
  | { readonly type: "ready" }
  | { readonly type: "init-error"; readonly error: LambdaError }
  /** The handler's result, serialized as Lambda returns it (`null` for `undefined`). */
  | { readonly type: "result"; readonly requestId: string; readonly payload: string }
  | { readonly type: "error"; readonly requestId: string; readonly error: LambdaError };

/** Converts anything thrown into Lambda's error shape. */
export function toLambdaError(error: unknown, fallbackType = "Error"): LambdaError {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      stackTrace: (error.stack ?? "")
        .split("\n")
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: typeof error === "string" ? "string" : fallbackType, errorMessage: String(error) };
}
