import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsClientConfig } from "../src/aws-client-config.js";
import { bindFunctionsToNewStage } from "./helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, usersApi, type CallOptions, type UsersApi } from "./helpers/users-api.js";

/**
 * DynamoDB as it answers when throttling: every request gets the JSON-protocol
 * error DynamoDB sends. Closing it leaves a port that refuses connections.
 */
class ThrottlingDynamoDb {
  /** The `X-Amz-Target` of every request received, e.g. `DynamoDB_20120810.GetItem`. */
  readonly targets: string[] = [];
  readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      this.targets.push(String(request.headers["x-amz-target"]));
      request.resume();
      request.on("end", () => {
        response.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": crypto.randomUUID() });
        response.end(
          JSON.stringify({
            __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            message: "The level of configured provisioned throughput for the table was exceeded.",
          }),
        );
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops listening and drops kept-alive connections: from now on the port refuses connections. */
  async refuseConnections(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

const dynamoDb = new ThrottlingDynamoDb();
let api: UsersApi;

beforeAll(async () => {
  const endpoint = await dynamoDb.listen();
  // The table and secrets are made on the emulators; only the functions are pointed at the failing endpoint.
  await bindFunctionsToNewStage("unavailable", { dynamoDbEndpoint: endpoint });
  api = usersApi(await importHandlers());
});

afterAll(async () => {
  if (dynamoDb.server.listening) await dynamoDb.refuseConnections();
});

const userId = crypto.randomUUID();
/** One valid request per route, each needing DynamoDB. */
const requests: [string, keyof UsersApi, CallOptions][] = [
  ["GET /users", "listUsers", {}],
  ["POST /users", "createUser", { body: newUser() }],
  ["POST /users with an Idempotency-Key", "createUser", { body: newUser(), headers: { "Idempotency-Key": "key-1" } }],
  ["GET /users/{userId}", "getUser", { userId }],
  ["PUT /users/{userId}", "replaceUser", { userId, body: newUser() }],
  ["PATCH /users/{userId}", "patchUser", { userId, body: { name: "New Name" } }],
  ["DELETE /users/{userId}", "deleteUser", { userId }],
];

const expectUnavailable = (response: Awaited<ReturnType<UsersApi["getUser"]>>) => {
  expect(expectProblem(response, 503).detail).toBe("A service the API depends on is unavailable, slow or throttled; try again shortly.");
  expect(response.headers["retry-after"]).toBe("1");
};

describe("when DynamoDB throttles every request", () => {
  it.each(requests)("%s answers 503 with Retry-After after the SDK's retries", async (_, route, options) => {
    expectUnavailable(await api[route](options));
  });

  it("made each DynamoDB call the configured number of attempts before giving up", async () => {
    dynamoDb.targets.length = 0;
    await api.getUser({ userId });
    expect(dynamoDb.targets).toEqual(Array(awsClientConfig.maxAttempts).fill("DynamoDB_20120810.GetItem"));
  });
});

describe("when DynamoDB refuses connections", () => {
  beforeAll(() => dynamoDb.refuseConnections());

  it.each(requests)("%s answers 503 with Retry-After", async (_, route, options) => {
    expectUnavailable(await api[route](options));
  });
});
