import { request as httpRequest } from "node:http";
import { routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredEnvironment, lambdaEnvironment, MAX_GATEWAY_BODY_BYTES } from "../../src/gateway/index.js";
import { fixtureAuthorizer, fixtureRouteList, fixtureRoutes } from "../fixtures/routes.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

/** A variable only the test runner has: no function may see it. */
const PARENT_ONLY = "USERS_API_GATEWAY_TEST_PARENT_ONLY";

/** Sends repeated header lines, which fetch would fold into one. */
function rawRequest(url: string, method: string, headers: Record<string, string | string[]>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

interface Echo {
  event: Record<string, unknown> & { requestContext: Record<string, unknown> };
  context: Record<string, unknown>;
}

describe("requests through the local API Gateway", () => {
  let api: TestApi;
  beforeAll(async () => {
    process.env[PARENT_ONLY] = "1";
    api = await startTestApi("proxy-event", { functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer } });
  });
  afterAll(async () => {
    delete process.env[PARENT_ONLY];
    await api?.stop();
  });

  it("builds a v1 proxy event: raw path, decoded path parameters and query, grouped headers, body, request context", async () => {
    const before = Date.now();
    const response = await rawRequest(
      `${api.url}/fixtures/echo/a%20b%2Fc?x=1&x=2&y=%C3%A9&flag`,
      "POST",
      { "X-Api-Key": "allow", "X-Multi": ["first", "second"], "Content-Type": "text/plain", "User-Agent": "gateway-test" },
      "not json at all",
    );

    expect(response.status).toBe(200);
    const { event, context } = JSON.parse(response.body) as Echo;
    const { stage } = api.stage;
    expect(event).toMatchObject({
      resource: "/fixtures/echo/{id}",
      path: "/fixtures/echo/a%20b%2Fc",
      httpMethod: "POST",
      pathParameters: { id: "a b/c" },
      queryStringParameters: { x: "2", y: "é", flag: "" },
      multiValueQueryStringParameters: { x: ["1", "2"], y: ["é"], flag: [""] },
      stageVariables: null,
      body: "not json at all",
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ "X-Multi": "second", "X-Api-Key": "allow", "Content-Type": "text/plain", "X-Forwarded-Proto": "http" });
    expect(event.multiValueHeaders).toMatchObject({ "X-Multi": ["first", "second"], "X-Forwarded-For": ["127.0.0.1"] });
    expect(event.requestContext).toMatchObject({
      accountId: "123456789012",
      apiId: expect.stringMatching(/^[0-9a-f]{10}$/),
      resourceId: expect.any(String),
      resourcePath: "/fixtures/echo/{id}",
      httpMethod: "POST",
      path: `/${stage}/fixtures/echo/a%20b%2Fc`,
      stage,
      protocol: "HTTP/1.1",
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      identity: expect.objectContaining({ sourceIp: "127.0.0.1", userAgent: "gateway-test" }),
      authorizer: expect.objectContaining({ principalId: "fixture-allow" }),
    });
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(before - 1000);
    expect(context).toMatchObject({
      functionName: `${stage}-users-api-FixtureEcho`,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${stage}-users-api-FixtureEcho`,
      memoryLimitInMB: "512",
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      logGroupName: `/aws/lambda/${stage}-users-api-FixtureEcho`,
    });
    expect(context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(10_000);
  });

  it.each(["application/json", "application/merge-patch+json", "Application/JSON; charset=utf-8"])(
    "passes a %s body base64-encoded, byte for byte, as API Gateway does for the API's binary media types",
    async (contentType) => {
      const bytes = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0xff, 0x22, 0x7d]);
      const response = await fetch(`${api.url}/fixtures/echo/1`, {
        method: "POST",
        headers: { "x-api-key": "allow", "content-type": contentType },
        body: bytes,
      });

      const { event } = (await response.json()) as Echo;
      expect(event).toMatchObject({ body: bytes.toString("base64"), isBase64Encoded: true });
    },
  );

  it("passes query parameters and headers named like Object.prototype's members as they are", async () => {
    const response = await rawRequest(
      `${api.url}/fixtures/echo?valueOf=1&constructor=2&__proto__=3&toString=4&toString=5`,
      "GET",
      { "X-Api-Key": "allow", constructor: "c", hasOwnProperty: "h" },
      "",
    );

    expect(response.status, response.body).toBe(200);
    const { event } = JSON.parse(response.body) as Echo;
    expect(event.multiValueQueryStringParameters).toEqual({ valueOf: ["1"], constructor: ["2"], ["__proto__"]: ["3"], toString: ["4", "5"] });
    expect(event.queryStringParameters).toEqual({ valueOf: "1", constructor: "2", ["__proto__"]: "3", toString: "5" });
    expect(event.multiValueHeaders).toMatchObject({ constructor: ["c"], hasOwnProperty: ["h"] });
  });

  it("passes null query parameters and body when there are none, and the same request id the client receives", async () => {
    const response = await api.request("GET", "/fixtures/echo", { key: "allow" });

    const { event } = response.json as Echo;
    expect(event).toMatchObject({ queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, body: null });
    expect(response.headers.get("x-amzn-requestid")).toBe(event.requestContext.requestId);
  });

  it("gives a function exactly its own environment: Lambda's variables, its own bindings, nothing of the runner's", async () => {
    const response = await api.request("GET", "/fixtures/environment/get-user", { key: "allow" });

    expect(response.status).toBe(200);
    const environment = response.json as Record<string, string>;
    const definition = fixtureRoutes.getUserEnvironment;
    expect(environment).toEqual({
      ...lambdaEnvironment(definition, api.stage, {
        logLevel: "DEBUG",
        aws: api.iam.environmentFor(definition.id),
        placement: {
          taskRoot: environment.LAMBDA_TASK_ROOT ?? "",
          runtimeDir: environment.LAMBDA_RUNTIME_DIR ?? "",
          handler: "tools/local/test/fixtures/handlers.environment",
          xrayDaemonAddress: environment.AWS_XRAY_DAEMON_ADDRESS ?? "",
          logStreamName: environment.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
        },
      }),
      _X_AMZN_TRACE_ID: expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/),
    });
    expect(environment).toMatchObject({
      SST_Table_tableName_Users: api.stage.tableName,
      SST_APP: "users-api",
      SST_STAGE: api.stage.stage,
      SST_SSM_PREFIX: `/sst/users-api/${api.stage.stage}/`,
      AWS_LAMBDA_FUNCTION_NAME: `${api.stage.stage}-users-api-GetUserEnvironment`,
      // Every AWS endpoint is the IAM proxy, never an emulator: the function's calls are checked against its grants.
      AWS_ENDPOINT_URL_DYNAMODB: api.iam.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: api.iam.endpoint,
      AWS_ENDPOINT_URL_SSM: api.iam.endpoint,
      TZ: ":UTC",
      POWERTOOLS_LOG_LEVEL: "DEBUG",
    });
    expect(environment).not.toHaveProperty("NODE_OPTIONS");
    expect(environment).not.toHaveProperty("SST_Secret_value_CURSOR_SECRET");
    expect(environment).not.toHaveProperty("SST_Parameter_value_API_KEYS_SECRET_ARN");
    expect(environment).not.toHaveProperty(PARENT_ONLY);
    expect(environment).not.toHaveProperty("HOME");
    expect(environment).not.toHaveProperty("NODE_CHANNEL_FD");
    expect(environment.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it("binds a function bound to the cursor secret as SST does: a marker telling sst/node to fetch it from SSM", async () => {
    const response = await api.request("GET", "/fixtures/environment/list-users", { key: "allow" });

    const environment = response.json as Record<string, string>;
    expect(environment).toMatchObject({ SST_Table_tableName_Users: api.stage.tableName, SST_Secret_value_CURSOR_SECRET: "__FETCH_FROM_SSM__" });
    expect(environment).not.toHaveProperty("SST_Parameter_value_API_KEYS_SECRET_ARN");
    const configured = configuredEnvironment(routes.listUsers, api.stage, "DEBUG");
    expect(environment).toMatchObject(configured);
    expect(
      Object.keys(configured)
        .filter((name) => name.startsWith("SST_"))
        .sort(),
    ).toEqual(
      Object.keys(environment)
        .filter((name) => name.startsWith("SST_"))
        .sort(),
    );
  });

  it("answers 404 with a problem document for a path that names no resource", async () => {
    for (const [method, path] of [
      ["GET", "/nowhere"],
      ["GET", "/fixtures/echo/1/2"],
      ["GET", "/"],
    ] as const) {
      const response = await api.request(method, path, { key: "allow" });
      expectProblem(response, 404);
      expect(response.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    }
  });

  it("answers 405 with Allow for a method the resource lacks, before asking for a key", async () => {
    for (const key of ["allow", null]) {
      for (const [method, path, allow] of [
        ["DELETE", "/fixtures/echo", "GET, OPTIONS"],
        ["GET", "/fixtures/echo/1", "POST, OPTIONS"],
      ] as const) {
        const response = await api.request(method, path, { key });
        expectProblem(response, 405);
        expect(response.headers.get("allow")).toBe(allow);
      }
    }
  });

  it("answers 404 for an unknown route before asking for a key", async () => {
    expectProblem(await api.request("GET", "/nowhere", { key: null }), 404);
  });

  it("answers a CORS preflight on a known resource without a key or a function", async () => {
    const response = await api.request("OPTIONS", "/fixtures/echo", { key: null });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST,GET");
    expect(response.headers.get("access-control-allow-headers")).toBe("content-type,x-api-key,if-match,idempotency-key");
    expect(response.headers.get("access-control-max-age")).toBe("3600");
  });

  it("lets browsers read API Gateway's own errors", async () => {
    const response = await api.request("GET", "/fixtures/echo", { key: null });

    expectProblem(response, 401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers 413 with a problem document for a body over API Gateway's 10 MB", async () => {
    const response = await api.request("POST", "/fixtures/echo/1", { key: "allow", body: "x".repeat(MAX_GATEWAY_BODY_BYTES + 1) });

    expectProblem(response, 413);
  });
});
