import { authorizer, functionDefaults, routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, startTestApi, type ApiResponse, type TestApi } from "../helpers/local-api.js";
import { SilentServer } from "@users-api/emulators/silent-server";

/** A hung dependency must be answered with 503 well before the function timeout, not with Lambda's 502 after it. */
const functionTimeoutMs = functionDefaults.timeoutSeconds * 1000;

async function timed(call: () => Promise<ApiResponse>) {
  const started = performance.now();
  const response = await call();
  return { response, ms: performance.now() - started };
}

/** A 503 with Retry-After from the function itself: it did not time out (Lambda's own log line says so if it did). */
function expectFast503({ response, ms }: { response: ApiResponse; ms: number }, api: TestApi, functionId: string) {
  expectProblem(response, 503);
  expect(response.headers.get("retry-after")).toBe("1");
  expect(api.logOf(functionId)).not.toMatch(/Task timed out/);
  expect(ms).toBeLessThan(functionTimeoutMs);
}

describe("through the local API Gateway, when a dependency accepts connections and never answers", () => {
  const silent = new SilentServer();
  let routesHang: TestApi;
  let authorizerHangs: TestApi;

  beforeAll(async () => {
    const hung = await silent.listen();
    [routesHang, authorizerHangs] = await Promise.all([
      // The hung dependency sits behind the IAM proxy: the calls are checked against the grants, then never answered.
      // The route functions find DynamoDB and SSM hung; the authorizer reads keys as usual.
      startTestApi("hung-data", {
        iamUpstreamsFor: (functionId) => (functionId === authorizer.id ? {} : { dynamodb: hung, ssm: hung }),
      }),
      // Only the authorizer's Secrets Manager hangs.
      startTestApi("hung-keys", {
        iamUpstreamsFor: (functionId) => (functionId === authorizer.id ? { secretsmanager: hung } : {}),
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([routesHang?.stop(), authorizerHangs?.stop()]);
    await silent.close();
  });

  it("DynamoDB: POST /users answers 503 with Retry-After", async () => {
    expectFast503(
      await timed(() => routesHang.request("POST", "/users", { body: { email: "hung@example.com", name: "Hung" } })),
      routesHang,
      routes.createUser.id,
    );
  });

  it("SSM (the cursor secret): GET /users with a cursor answers 503 with Retry-After", async () => {
    expectFast503(await timed(() => routesHang.request("GET", "/users?cursor=abc.def")), routesHang, routes.listUsers.id);
  });

  it("Secrets Manager (the API keys): every request answers 503 with Retry-After", async () => {
    expectFast503(await timed(() => authorizerHangs.request("GET", "/users")), authorizerHangs, authorizer.id);
  });
});
