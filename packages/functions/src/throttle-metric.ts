import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { metrics } from "./observability.js";

/** Errors DynamoDB answers a request it throttled with (the SDK retries them). */
const THROTTLING_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/** True when DynamoDB refused a request, or a transaction's item, for lack of capacity. */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING_ERRORS.has(error.name)) return true;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons;
  return error.name === "TransactionCanceledException" && (reasons ?? []).some((reason) => reason.Code === "ThrottlingError");
}

/**
 * Counts every attempt DynamoDB throttles, retries included, in the
 * `DynamoDbThrottled` business metric. It sits inside the SDK's retry
 * middleware, so it sees each attempt. One alarm on this one metric covers
 * the table and every index, reads and writes (DynamoDB's own throttle events
 * are four metrics, one alarm metric each), and the metric costs nothing in
 * the hours it is not emitted.
 */
export function countThrottledAttempts(client: DynamoDBClient, onThrottled: () => unknown = () => metrics.addMetric("DynamoDbThrottled", MetricUnit.Count, 1)) {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) onThrottled();
        throw error;
      }
    },
    // The SDK's retry middleware is in this step at high priority: low priority runs inside it, once per attempt.
    { step: "finalizeRequest", priority: "low", name: "countThrottledAttempts" },
  );
  return client;
}
