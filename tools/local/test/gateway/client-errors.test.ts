import { connect } from "node:net";
import { PROBLEM_CONTENT_TYPE, gatewayProblem } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { startTestApi, type TestApi } from "../helpers/local-api.js";

/** Sends raw bytes (what no well-behaved HTTP client would send) and reads the whole answer. */
function sendRaw(url: string, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
  });
}

describe("requests the HTTP parser rejects", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("client-errors", { functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer } });
  });
  afterAll(() => api?.stop());

  it.each([
    ["a lower-case method", "get /fixtures/echo HTTP/1.1\r\nHost: x\r\nx-api-key: allow\r\n\r\n", "DEFAULT_4XX"],
    ["an unknown method", "FETCH /fixtures/echo HTTP/1.1\r\nHost: x\r\nx-api-key: allow\r\n\r\n", "DEFAULT_4XX"],
    ["a header line without a name", "GET /fixtures/echo HTTP/1.1\r\nHost: x\r\n: no name\r\n\r\n", "DEFAULT_4XX"],
    ["headers larger than the gateway takes", `GET /fixtures/echo HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`, "REQUEST_TOO_LARGE"],
    ["an HTTP/1.1 request without Host", "GET /fixtures/echo HTTP/1.1\r\nx-api-key: allow\r\n\r\n", "DEFAULT_4XX"],
    ["CONNECT, a method no REST API has", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", "DEFAULT_4XX"],
  ] as const)("answer %s with the gateway's problem document", async (_, request, type) => {
    const response = await sendRaw(api.url, request);

    const expected = gatewayProblem(type);
    expect(response.status).toBe(expected.status);
    expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
    expect(JSON.parse(response.body)).toEqual(expected.body);
    expect(response.status).toBeLessThan(500);
  });
});
