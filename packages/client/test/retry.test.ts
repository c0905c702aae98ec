import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsersApiClient, retryAfterMs } from "../src/index.js";

/** A server that answers each request with the next scripted status, and records what it received. */
async function scriptedServer() {
  const received: { method: string; url: string; key: string | undefined; body: string }[] = [];
  let script: { status: number; headers?: Record<string, string> }[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    for await (const chunk of request) body += String(chunk);
    received.push({ method: request.method ?? "", url: request.url ?? "", key: request.headers["x-api-key"] as string | undefined, body });
    const { status, headers = {} } = script.shift() ?? { status: 200 };
    const json = status < 300 ? { items: [], nextCursor: null } : { type: "/problems/x", title: "X", status, detail: "scripted" };
    response.writeHead(status, { "content-type": status < 300 ? "application/json" : "application/problem+json", ...headers }).end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer(...statuses: { status: number; headers?: Record<string, string> }[]) {
      script = statuses;
      received.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the client's retries", () => {
  let server: Awaited<ReturnType<typeof scriptedServer>>;
  beforeAll(async () => {
    server = await scriptedServer();
  });
  afterAll(() => server?.close());

  it("sends a throttled request again, body and key intact, after the Retry-After it was given", async () => {
    server.answer({ status: 429, headers: { "retry-after": "1" } }, { status: 201 });
    const api = createUsersApiClient({ baseUrl: `${server.url}/`, apiKey: "k-1" });
    const started = performance.now();

    const { response } = await api.POST("/users", { body: { email: "ada@example.com", name: "Ada" } });

    expect(response.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.received).toHaveLength(2);
    expect(server.received.map(({ method, url, key }) => `${method} ${url} ${key}`)).toEqual(["POST /users k-1", "POST /users k-1"]);
    expect(server.received[1]?.body).toBe(server.received[0]?.body);
    expect(JSON.parse(server.received[1]?.body ?? "")).toEqual({ email: "ada@example.com", name: "Ada" });
  });

  it("gives up after the retries it was allowed and returns the last answer", async () => {
    server.answer({ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 });
    const api = createUsersApiClient({ baseUrl: server.url, retry: { retries: 2, baseDelayMs: 1 } });

    const { response, error } = await api.GET("/users");

    expect(response.status).toBe(503);
    expect(error).toMatchObject({ status: 503, detail: "scripted" });
    expect(server.received).toHaveLength(3);
  });

  it.each([
    ["a status it was not told to retry", { retry: { statuses: [429], baseDelayMs: 1 } }, 503],
    ["any status, with retries off", { retry: false as const }, 429],
  ])("does not retry %s", async (_, options, status) => {
    server.answer({ status }, { status: 200 });
    const api = createUsersApiClient({ baseUrl: server.url, ...options });

    expect((await api.GET("/users")).response.status).toBe(status);
    expect(server.received).toHaveLength(1);
  });

  it("sends no key header when given none", async () => {
    server.answer({ status: 200 });

    await createUsersApiClient({ baseUrl: server.url }).GET("/users");

    expect(server.received[0]?.key).toBeUndefined();
  });
});

describe("Retry-After", () => {
  it.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Wed, 21 Oct 2015 07:28:05 GMT", 5000],
    ["soon", undefined],
    ["", undefined],
    [null, undefined],
  ])("reads %j as %j ms", (value, expected) => {
    expect(retryAfterMs(value, Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(expected);
  });
});
