import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

const AUTHORIZER = fixtureAuthorizer.id;
const CACHE_TTL_SECONDS = 3;

describe("the Lambda REQUEST authorizer, as API Gateway runs it", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("authorizer", {
      functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer },
      authorizerCacheTtlSeconds: CACHE_TTL_SECONDS,
    });
    // Warm environments, so cold starts do not eat into the cache TTL below.
    expect((await api.request("GET", "/fixtures/echo", { key: "allow-warm-up" })).status).toBe(200);
  });
  afterAll(() => api?.stop());

  it("answers 401 without invoking the authorizer when the x-api-key header is missing or empty", async () => {
    const before = await api.invocationsOf(AUTHORIZER);

    expectProblem(await api.request("GET", "/fixtures/echo", { key: null }), 401);
    expectProblem(await api.request("GET", "/fixtures/echo", { key: "" }), 401);

    expect(await api.invocationsOf(AUTHORIZER)).toBe(before);
  });

  it("answers 401 when the authorizer throws Unauthorized", async () => {
    const response = await api.request("GET", "/fixtures/echo", { key: "someone-else" });

    expectProblem(response, 401);
    expect(response.headers.get("x-amzn-errortype")).toBe("UnauthorizedException");
  });

  it.each([
    ["throws any other error", "broken"],
    ["returns no policy", "malformed"],
  ])("answers 503 with Retry-After when the authorizer %s", async (_, key) => {
    const response = await api.request("GET", "/fixtures/echo", { key });

    expectProblem(response, 503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("x-amzn-errortype")).toBe("AuthorizerConfigurationException");
  });

  it("answers 403 when an explicit Deny matches, even though an Allow matches too", async () => {
    const response = await api.request("GET", "/fixtures/echo", { key: "deny" });

    expectProblem(response, 403);
    expect(response.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
  });

  it("invokes the authorizer once for two requests with the same key within the cache TTL", async () => {
    const before = await api.invocationsOf(AUTHORIZER);

    expect((await api.request("GET", "/fixtures/echo", { key: "allow-cache-probe" })).status).toBe(200);
    expect((await api.request("GET", "/fixtures/echo", { key: "allow-cache-probe" })).status).toBe(200);

    expect(await api.invocationsOf(AUTHORIZER)).toBe(before + 1);
  });

  it("evaluates a cached policy again for each method ARN", async () => {
    const before = await api.invocationsOf(AUTHORIZER);

    const get = await api.request("GET", "/fixtures/echo", { key: "get-only" });
    const post = await api.request("POST", "/fixtures/echo/1", { key: "get-only", body: {} });

    expect(get.status).toBe(200);
    expectProblem(post, 403);
    expect(await api.invocationsOf(AUTHORIZER)).toBe(before + 1);
  });

  it("invokes the authorizer again once the cached result expires", async () => {
    await api.request("GET", "/fixtures/echo", { key: "allow-expiry-probe" });
    const before = await api.invocationsOf(AUTHORIZER);
    await sleep(CACHE_TTL_SECONDS * 1000 + 100);

    expect((await api.request("GET", "/fixtures/echo", { key: "allow-expiry-probe" })).status).toBe(200);

    expect(await api.invocationsOf(AUTHORIZER)).toBe(before + 1);
  });

  it("hands the authorizer's context to the function as strings, with the principal and the authorizer latency", async () => {
    const response = await api.request("GET", "/fixtures/echo", { key: "allow-context" });

    expect(response.status).toBe(200);
    const { event } = response.json as { event: { requestContext: { authorizer: Record<string, unknown> } } };
    expect(event.requestContext.authorizer).toEqual({
      keyName: "allow-context",
      scopes: "users:read users:write",
      count: "3",
      flag: "true",
      principalId: "fixture-allow-context",
      integrationLatency: expect.any(Number),
    });
  });

  it("sends the authorizer a REQUEST event with the method ARN, headers, query and request context", async () => {
    const response = await api.request("POST", "/fixtures/echo/a%20b?q=1&q=2", { key: "show-event", body: {} });

    expect(response.status).toBe(200);
    const { event } = response.json as { event: { requestContext: { authorizer: { authorizerEvent: string } } } };
    const authorizerEvent = JSON.parse(event.requestContext.authorizer.authorizerEvent) as Record<string, unknown>;
    const { stage } = api.stage;
    expect(authorizerEvent).toEqual({
      type: "REQUEST",
      methodArn: expect.stringMatching(new RegExp(`^arn:aws:execute-api:us-east-1:123456789012:[0-9a-f]{10}/${stage}/POST/fixtures/echo/a%20b$`)),
      resource: "/fixtures/echo/{id}",
      path: "/fixtures/echo/a%20b",
      httpMethod: "POST",
      headers: expect.objectContaining({ "x-api-key": "show-event" }),
      multiValueHeaders: expect.objectContaining({ "x-api-key": ["show-event"] }),
      queryStringParameters: { q: "2" },
      multiValueQueryStringParameters: { q: ["1", "2"] },
      pathParameters: { id: "a b" },
      stageVariables: null,
      requestContext: expect.objectContaining({ stage, resourcePath: "/fixtures/echo/{id}", httpMethod: "POST" }),
    });
    expect(authorizerEvent.requestContext).not.toHaveProperty("authorizer");
  });
});
