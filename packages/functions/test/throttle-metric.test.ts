import { randomUUID } from "node:crypto";
import { DynamoDBClient, ListTablesCommand, ProvisionedThroughputExceededException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { countThrottledAttempts, isThrottling } from "../src/throttle-metric.js";
import { emulatorEndpoints } from "./helpers/local-stage.js";

/** DynamoDB Local never throttles: a middleware below the counter refuses the first attempts, as DynamoDB would. */
function throttledClient(refusals: number) {
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: emulatorEndpoints().dynamoDb,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 3,
  });
  let left = refusals;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (left > 0) {
        left -= 1;
        throw new ProvisionedThroughputExceededException({ message: "Throughput exceeds the current capacity", $metadata: { httpStatusCode: 400 } });
      }
      return next(args);
    },
    { step: "deserialize", name: "throttleFirstAttempts", priority: "high" },
  );
  return client;
}

describe("countThrottledAttempts", () => {
  it("counts every throttled attempt, the ones the SDK's retries then got through included", async () => {
    let counted = 0;
    const client = countThrottledAttempts(throttledClient(2), () => (counted += 1));

    const { $metadata } = await client.send(new ListTablesCommand({ Limit: 1 }));

    expect($metadata.attempts).toBe(3);
    expect(counted).toBe(2);
    client.destroy();
  });

  it("counts nothing when nothing was throttled", async () => {
    let counted = 0;
    const client = countThrottledAttempts(throttledClient(0), () => (counted += 1));
    await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(counted).toBe(0);
    client.destroy();
  });

  it("tells throttling from other failures, a transaction cancelled for capacity included", () => {
    const cancelled = (code: string) =>
      new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: [{ Code: "None" }, { Code: code }] });
    expect(isThrottling(new ProvisionedThroughputExceededException({ message: "x", $metadata: {} }))).toBe(true);
    expect(isThrottling(cancelled("ThrottlingError"))).toBe(true);
    expect(isThrottling(cancelled("ConditionalCheckFailed"))).toBe(false);
    expect(isThrottling(Object.assign(new Error("x"), { name: "ConditionalCheckFailedException" }))).toBe(false);
    expect(isThrottling(randomUUID())).toBe(false);
  });
});
