import { connect, type Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE, gatewayProblem } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TIMEOUTS } from "../../src/gateway/index.js";
import { fixtureAuthorizer, fixtureRouteList } from "../fixtures/routes.js";
import { startTestApi, type TestApi } from "../helpers/local-api.js";

/** A raw connection: what it was sent so far, what it got back, and when it was closed. */
interface RawConnection {
  readonly socket: Socket;
  readonly opened: number;
  /** Resolves once the gateway has closed the connection, with what it answered and after how long. */
  readonly closed: Promise<{ status: number; contentType: string | undefined; body: string; afterMs: number }>;
}

function openConnection(url: string, firstBytes: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const opened = performance.now();
    const closed = new Promise<Awaited<RawConnection["closed"]>>((resolveClosed) => {
      socket.on("data", (chunk) => chunks.push(chunk));
      // A reset after the answer still counts as closed.
      socket.on("error", () => undefined);
      socket.on("close", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const [head = "", body = ""] = text.split("\r\n\r\n");
        const [statusLine = "", ...headerLines] = head.split("\r\n");
        const contentType = headerLines
          .find((line) => line.toLowerCase().startsWith("content-type:"))
          ?.slice("content-type:".length)
          .trim();
        resolveClosed({ status: Number(statusLine.split(" ")[1]), contentType, body, afterMs: performance.now() - opened });
      });
    });
    socket.once("connect", () => {
      socket.write(firstBytes);
      resolve({ socket, opened, closed });
    });
    socket.once("error", reject);
  });
}

const halfSentBody = 'POST /fixtures/echo/1 HTTP/1.1\r\nHost: x\r\nx-api-key: allow\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"half":';
const halfSentHeaders = "GET /fixtures/echo HTTP/1.1\r\nHost: x\r\nx-api-key: al";

function expectGatewayProblem(answer: Awaited<RawConnection["closed"]>, type: "DEFAULT_4XX" | "THROTTLED") {
  const expected = gatewayProblem(type);
  expect(answer.status).toBe(expected.status);
  expect(answer.contentType).toBe(PROBLEM_CONTENT_TYPE);
  expect(JSON.parse(answer.body)).toEqual(expected.body);
}

describe("clients that stall", () => {
  it("get API Gateway's 29 s by default, for the headers and for the whole request", () => {
    expect(CLIENT_TIMEOUTS).toEqual({ headersSeconds: 29, requestSeconds: 29 });
  });

  describe("with shorter timeouts (1 s for the headers, 2 s for the request)", () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi("slow-clients", {
        functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer },
        clientTimeouts: { headersSeconds: 1, requestSeconds: 2 },
        maxConnections: 20,
      });
    });
    afterAll(() => api?.stop());

    it("answer a half-sent body with 400 and close the connection once the request time is up", async () => {
      const connection = await openConnection(api.url, halfSentBody);

      const answer = await connection.closed;

      expectGatewayProblem(answer, "DEFAULT_4XX");
      expect(answer.afterMs).toBeGreaterThanOrEqual(1900);
      expect(answer.afterMs).toBeLessThan(10_000);
    });

    it("answer half-sent headers with 400 once the header time is up", async () => {
      const connection = await openConnection(api.url, halfSentHeaders);

      const answer = await connection.closed;

      expectGatewayProblem(answer, "DEFAULT_4XX");
      expect(answer.afterMs).toBeGreaterThanOrEqual(900);
      expect(answer.afterMs).toBeLessThan(10_000);
    });

    it("let a body that arrives slowly but in time through", async () => {
      const body = JSON.stringify({ slow: "x".repeat(80) });
      const head = `POST /fixtures/echo/1 HTTP/1.1\r\nHost: x\r\nx-api-key: allow\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
      const connection = await openConnection(api.url, head + body.slice(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 700));

      connection.socket.write(body.slice(10));

      expect((await connection.closed).status).toBe(200);
    });

    it("hold many stalled uploads only until their time is up", async () => {
      const stalled = await Promise.all(Array.from({ length: 15 }, () => openConnection(api.url, halfSentBody)));

      const answers = await Promise.all(stalled.map(({ closed }) => closed));

      expect(answers.map(({ status }) => status)).toEqual(Array(15).fill(400));
      expect(Math.max(...answers.map(({ afterMs }) => afterMs))).toBeLessThan(10_000);
    });
  });

  describe("over the connection cap (3 here)", () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi("connection-cap", {
        functions: { routes: fixtureRouteList, authorizer: fixtureAuthorizer },
        clientTimeouts: { headersSeconds: 2, requestSeconds: 3 },
        maxConnections: 3,
      });
    });
    afterAll(() => api?.stop());

    it("a further connection is answered 429 at once; once the stalled ones are closed, requests are served again", async () => {
      const stalled = await Promise.all(Array.from({ length: 3 }, () => openConnection(api.url, halfSentBody)));

      const refused = await openConnection(api.url, "GET /fixtures/echo HTTP/1.1\r\nHost: x\r\nx-api-key: allow\r\n\r\n");
      const refusedAnswer = await refused.closed;

      expectGatewayProblem(refusedAnswer, "THROTTLED");
      expect(refusedAnswer.afterMs).toBeLessThan(1500);
      await Promise.all(stalled.map(({ closed }) => closed));
      // The gateway sees the closes a moment after the client does.
      const statuses: number[] = [];
      for (const deadline = performance.now() + 3000; statuses.at(-1) !== 200 && performance.now() < deadline; ) {
        statuses.push((await api.request("GET", "/fixtures/echo", { key: "allow" })).status);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(statuses.at(-1), `answers while the cap was full: ${statuses.join(", ")}`).toBe(200);
    });
  });
});
