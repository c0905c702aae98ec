import { describe, expect, it } from "vitest";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { startTestApi } from "../helpers/local-api.js";

const fixtures = { functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outcomeOf = (request: Promise<{ status: number }>) =>
  request.then(
    (response) => response.status,
    () => "connection closed" as const,
  );

describe("stopping the local API", () => {
  it("answers the requests in flight first, and takes no new connection meanwhile", async () => {
    const api = await startTestApi("drain", fixtures);
    // Warm, so the request surely runs its handler when the stop begins.
    expect((await api.request("GET", "/fixtures/sleep?ms=0", { key: "allow" })).status).toBe(200);
    const inFlight = outcomeOf(api.request("GET", "/fixtures/sleep?ms=1500", { key: "allow" }));
    await sleep(300);

    const stopping = api.stop();
    await sleep(100);
    const late = outcomeOf(fetch(`${api.url}/fixtures/sleep?ms=0`, { headers: { "x-api-key": "allow" } }));

    expect(await inFlight).toBe(200);
    expect(await late).toBe("connection closed");
    expect(await stopping).toEqual({ cutOff: 0 });
  });

  it("closes what is still running when the drain time runs out", async () => {
    const api = await startTestApi("drain-bound", { ...fixtures, drainTimeoutSeconds: 1 });
    expect((await api.request("GET", "/fixtures/sleep?ms=0", { key: "allow" })).status).toBe(200);
    const tooSlow = outcomeOf(api.request("GET", "/fixtures/sleep?ms=8000", { key: "allow" }));
    await sleep(300);

    const started = performance.now();
    expect(await api.stop()).toEqual({ cutOff: 1 });

    expect(await tooSlow).toBe("connection closed");
    expect(performance.now() - started).toBeLessThan(8000);
  });
});
