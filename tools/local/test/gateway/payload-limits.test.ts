import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_INVOCATION_REQUEST_BYTES, MAX_INVOCATION_RESPONSE_BYTES } from "../../src/gateway/index.js";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

/** Lambda's 6 MB synchronous payload limits, which API Gateway's 10 MB limit lets a request reach. */
describe("Lambda's invocation payload limits", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("payload-limits", { functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer } });
  });
  afterAll(() => api?.stop());

  const post = async (body: Buffer, contentType: string) => {
    const response = await fetch(`${api.url}/fixtures/body-size`, { method: "POST", headers: { "x-api-key": "allow", "content-type": contentType }, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as unknown };
  };

  it("passes a request whose event is just under the limit to the function", async () => {
    // The event adds a few KiB (headers, request context) to the body.
    const body = Buffer.alloc(MAX_INVOCATION_REQUEST_BYTES - 16 * 1024, "a");

    const response = await post(body, "text/plain");

    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ length: body.length, isBase64Encoded: false });
  });

  it("refuses with 413 a request whose event is just over it, though the body alone is under it, and runs no function", async () => {
    const invokedBefore = await api.invocationsOf("FixtureBodySize");
    const body = Buffer.alloc(MAX_INVOCATION_REQUEST_BYTES - 512, "a");

    const response = await post(body, "text/plain");

    expect(response.status).toBe(413);
    expectProblem(response, 413);
    expect(await api.invocationsOf("FixtureBodySize")).toBe(invokedBefore);
  });

  it("counts a binary body base64-encoded, as API Gateway puts it in the event: 4.8 MB of it is over", async () => {
    const body = Buffer.alloc(Math.ceil((MAX_INVOCATION_REQUEST_BYTES * 3) / 4) + 1024, 0xff);
    expect(body.length).toBeLessThan(MAX_INVOCATION_REQUEST_BYTES);

    expectProblem(await post(body, "application/octet-stream"), 413);
  });

  it("delivers a result just under the response limit", async () => {
    // The proxy result's JSON adds its status code and headers to the body.
    const bytes = MAX_INVOCATION_RESPONSE_BYTES - 1024;
    const response = await fetch(`${api.url}/fixtures/large?bytes=${bytes}`, { headers: { "x-api-key": "allow" } });

    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(bytes);
  });

  it("answers 502 (an integration failure) for a result over it, as API Gateway does", async () => {
    const response = await api.request("GET", `/fixtures/large?bytes=${MAX_INVOCATION_RESPONSE_BYTES}`, { key: "allow" });

    expect(response.status).toBe(502); // checked first: a failure would print the 6 MB body
    expectProblem(response, 502);
    expect(api.logOf("FixtureLarge")).toMatch(/REPORT RequestId/);
  });
});
