import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleepingPids = (api: TestApi) =>
  [...api.logOf("FixtureSleep").matchAll(/"sleeping":(\d+),"pid":(\d+)/g)].map((match) => ({ ms: Number(match[1]), pid: Number(match[2]) }));

describe("a function that fails", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("failures", {
      functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer },
      functionTimeoutSeconds: 1,
    });
  });
  afterAll(() => api?.stop());

  it.each([
    ["throws", "/fixtures/throws"],
    ["returns a body that is not a string", "/fixtures/malformed"],
    ["exits its process", "/fixtures/exits?code=3"],
    ["throws outside its handler", "/fixtures/crashes"],
  ])("answers 502 with a problem document when the handler %s", async (_, path) => {
    const response = await api.request("GET", path, { key: "allow" });

    expectProblem(response, 502);
    expect(response.headers.get("x-amzn-errortype")).toBe("InternalServerErrorException");
  });

  it("serves the next request from a fresh environment after one exited", async () => {
    const before = await api.request("GET", "/fixtures/exits", { key: "allow" });
    expectProblem(await api.request("GET", "/fixtures/exits?code=3", { key: "allow" }), 502);

    const after = await api.request("GET", "/fixtures/exits", { key: "allow" });

    expect(after.status).toBe(200);
    expect((after.json as { pid: number }).pid).not.toBe((before.json as { pid: number }).pid);
  });

  it("answers 502 at the function timeout, kills that environment and serves the next request from a fresh one", async () => {
    // Warm up first: the init phase does not count against the function timeout, but it would against the clock here.
    expect((await api.request("GET", "/fixtures/sleep?ms=0", { key: "allow" })).status).toBe(200);
    const started = Date.now();
    const timedOut = await api.request("GET", "/fixtures/sleep?ms=5000", { key: "allow" });

    expectProblem(timedOut, 502);
    expect(Date.now() - started).toBeLessThan(4_000);
    // Logs are written asynchronously, as CloudWatch receives them.
    await expect.poll(() => api.logOf("FixtureSleep")).toMatch(/Task timed out after 1\.00 seconds/);
    const killed = sleepingPids(api).find((entry) => entry.ms === 5000);
    expect(killed).toBeDefined();
    await expect.poll(() => isRunning(killed?.pid ?? 0)).toBe(false);

    const next = await api.request("GET", "/fixtures/sleep?ms=10", { key: "allow" });
    expect(next.status).toBe(200);
    expect((next.json as { pid: number }).pid).not.toBe(killed?.pid);
  });

  it("passes single and multi-value headers on, renames the ones API Gateway remaps and adds a request id", async () => {
    const response = await api.request("GET", "/fixtures/headers", { key: "allow" });

    expect(response.status).toBe(201);
    expect(response.headers.get("x-single")).toBe("one");
    expect(response.headers.get("x-number")).toBe("7");
    expect(response.headers.get("x-both")).toBe("from-multi-1, from-multi-2");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.headers.get("x-amzn-remapped-www-authenticate")).toBe("Basic");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("a function slower than the integration timeout", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("integration-timeout", {
      functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer },
      functionTimeoutSeconds: 5,
      integrationTimeoutSeconds: 1,
    });
  });
  afterAll(() => api?.stop());

  it("answers 504 when the integration timeout passes, while the function runs on to its end", async () => {
    // Warm up first, so the cold start does not count against the one-second integration timeout.
    expect((await api.request("GET", "/fixtures/sleep?ms=0", { key: "allow" })).status).toBe(200);
    const started = Date.now();

    const response = await api.request("GET", "/fixtures/sleep?ms=2500", { key: "allow" });

    expectProblem(response, 504);
    expect(Date.now() - started).toBeLessThan(2_400);
    await expect.poll(() => api.logOf("FixtureSleep").match(/^END RequestId/gm)?.length, { timeout: 5_000 }).toBe(2);
    expect(api.logOf("FixtureSleep")).not.toMatch(/Task timed out/);
  });
});
