import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { User, itemKeys } from "@users-api/core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { clientsFor } from "@users-api/emulators/stage";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";
import { WithholdingProxy } from "../helpers/withholding-proxy.js";

const TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems";
const FUNCTION_TIMEOUT_SECONDS = 3;

describe("a create retried with its Idempotency-Key after the first attempt timed out", () => {
  const proxy = new WithholdingProxy(inject("dynamoDbEndpoint"));
  let api: TestApi;
  let table: DynamoDBDocumentClient;

  beforeAll(async () => {
    const endpoint = await proxy.listen();
    // A function timeout shorter than the SDK's retry budget for a call, so the first attempt times out
    // while its write's answer is withheld, rather than giving up on it with a 503.
    // The withholding proxy sits behind the IAM proxy, so every call of the functions is still checked against their grants.
    api = await startTestApi("idempotency-timeout", {
      functionTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
      iamUpstreamsFor: () => ({ dynamodb: endpoint }),
    });
    table = DynamoDBDocumentClient.from(clientsFor(api.stage.endpoints).dynamoDb);
  });

  afterAll(async () => {
    await api?.stop();
    table?.destroy();
    await proxy.close();
  });

  afterEach(() => {
    expect(api.iam.denials()).toEqual([]);
  });

  /** The first attempt: its transaction lands in DynamoDB, but the function times out before it hears so (Lambda answers 502). */
  async function firstAttemptTimesOut(body: unknown, idempotencyKey: string) {
    proxy.withheld.add(TRANSACT_WRITE);
    const landedBefore = proxy.landedWhileWithheld.get(TRANSACT_WRITE) ?? 0;
    try {
      const first = await api.request("POST", "/users", { body, headers: { "idempotency-key": idempotencyKey } });
      expectProblem(first, 502);
      await expect.poll(() => proxy.landedWhileWithheld.get(TRANSACT_WRITE) ?? 0).toBeGreaterThan(landedBefore);
    } finally {
      proxy.withheld.delete(TRANSACT_WRITE);
    }
    // The in-progress record expires with the first attempt's deadline.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const usersWithEmail = async (email: string) => {
    const { Items = [] } = await table.send(
      new QueryCommand({
        TableName: api.stage.tableName,
        IndexName: "byCreatedAt",
        KeyConditionExpression: "listPk = :list",
        ExpressionAttributeValues: { ":list": itemKeys.listPartition },
      }),
    );
    return Items.filter((item) => item.email === email);
  };

  it("answers 201 with the user the first attempt created, and no second user exists", async () => {
    const body = { email: `timed-out-${randomUUID()}@example.com`, name: "Timed Out" };
    const idempotencyKey = randomUUID();
    await firstAttemptTimesOut(body, idempotencyKey);

    const retried = await api.request("POST", "/users", { body, headers: { "idempotency-key": idempotencyKey } });

    expect(retried.status, retried.text).toBe(201);
    const user = User.parse(retried.json);
    const stored = await usersWithEmail(body.email);
    expect(stored.map((item) => item.userId)).toEqual([user.userId]);
    expect(retried.headers.get("location")).toBe(`/users/${user.userId}`);
    const again = await api.request("POST", "/users", { body, headers: { "idempotency-key": idempotencyKey } });
    expect(again.json).toEqual(retried.json);
  });

  it("answers 422 when the retry carries another body", async () => {
    const email = `timed-out-${randomUUID()}@example.com`;
    const idempotencyKey = randomUUID();
    await firstAttemptTimesOut({ email, name: "First Body" }, idempotencyKey);

    const retried = await api.request("POST", "/users", { body: { email, name: "Second Body" }, headers: { "idempotency-key": idempotencyKey } });

    expectProblem(retried, 422);
    expect((await usersWithEmail(email)).map((item) => item.name)).toEqual(["First Body"]);
  });
});
