import { authorizer as authorizerDefinition, encodeCursor, functionDefaults, routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SilentServer } from "@users-api/emulators/silent-server";
import { worstCallMs } from "../src/aws-client-config.js";
import { authorizerEvent } from "./helpers/api-gateway-event.js";
import { bindFunctionsToNewStage } from "./helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, usersApi, type ApiResponse, type CallOptions, type UsersApi } from "./helpers/users-api.js";

const silent = new SilentServer();
let api: UsersApi;
let authorizer: typeof import("../src/authorizer.js");
let cursor: string;

beforeAll(async () => {
  const endpoint = await silent.listen();
  // The stage is made on the emulators; the functions find DynamoDB, Secrets Manager and SSM hung.
  const stage = await bindFunctionsToNewStage("hangs", {
    dynamoDbEndpoint: endpoint,
    environment: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint, AWS_ENDPOINT_URL_SSM: endpoint },
  });
  api = usersApi(await importHandlers());
  authorizer = await import("../src/authorizer.js");
  cursor = encodeCursor({ pk: "USER#x", sk: "USER#x", listPk: "USERS", listSk: "2026-01-01T00:00:00.000Z#x" }, stage.cursorSecret);
});

afterAll(() => silent.close());

/** The function timeout: a dependency that hangs must be answered well before it, not by Lambda timing out. */
const functionTimeoutMs = functionDefaults.timeoutSeconds * 1000;
const userId = crypto.randomUUID();

const timed = async <T>(call: () => Promise<T>) => {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
};

describe.concurrent("when DynamoDB, Secrets Manager and SSM accept connections and never answer", () => {
  it.each<[string, keyof UsersApi, () => CallOptions]>([
    ["GET /users", "listUsers", () => ({})],
    ["GET /users with a cursor (the cursor secret comes from SSM)", "listUsers", () => ({ query: { cursor } })],
    ["POST /users", "createUser", () => ({ body: newUser() })],
    ["POST /users with an Idempotency-Key", "createUser", () => ({ body: newUser(), headers: { "Idempotency-Key": crypto.randomUUID() } })],
    ["GET /users/{userId}", "getUser", () => ({ userId })],
    ["PUT /users/{userId}", "replaceUser", () => ({ userId, body: newUser() })],
    ["PATCH /users/{userId}", "patchUser", () => ({ userId, body: { name: "New Name" } })],
    ["DELETE /users/{userId}", "deleteUser", () => ({ userId })],
  ])("%s answers 503 with Retry-After well inside the function timeout", async (_, route, options) => {
    const { result, ms } = await timed<ApiResponse>(() => api[route](options()));

    expectProblem(result, 503);
    expect(result.headers["retry-after"]).toBe("1");
    expect(ms).toBeLessThan(functionTimeoutMs);
  });

  it("the authorizer fails (API Gateway answers 503) well inside the function timeout, rather than calling the key unknown", async () => {
    const event = authorizerEvent(routes.getUser, { [authorizerDefinition.identityHeader]: "uak_any" });
    const { result, ms } = await timed(() =>
      authorizer.handler(event).then(
        () => "allowed",
        (error: Error) => error.message,
      ),
    );

    expect(result).not.toBe("Unauthorized");
    expect(result).not.toBe("allowed");
    expect(ms).toBeLessThan(functionTimeoutMs);
  });
});

it("gives a hung call at most about two request timeouts, so two in a row fit in the function timeout", () => {
  expect(2 * worstCallMs).toBeLessThan(functionTimeoutMs);
});
