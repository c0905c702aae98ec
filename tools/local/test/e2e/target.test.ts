import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeCursor } from "@users-api/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { e2eTarget, tamperedCursor } from "./target.js";

const pageKey = (userId: string) => ({
  pk: `USER#${userId}`,
  sk: "PROFILE",
  listPk: "USERS",
  listSk: `2026-12-07T14:41:51.107Z#${userId}`,
});

/** A stand-in for a throttled stage: 429 (with `Retry-After: 0`) to the first `throttled` requests, then 400. */
async function throttlingServer(throttled: number) {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      seen.push(`${request.method} ${request.url} ${body}`);
      if (seen.length <= throttled) response.writeHead(429, { "retry-after": "0" }).end('{"message":"Too Many Requests"}');
      else response.writeHead(400, { "content-type": "application/problem+json" }).end('{"status":400}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("the end-to-end suites' target", () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await close?.();
  });

  async function remoteTarget(throttled: number) {
    const server = await throttlingServer(throttled);
    close = server.close;
    vi.stubEnv("E2E_BASE_URL", server.url);
    vi.stubEnv("E2E_API_KEY", "full-key");
    vi.stubEnv("E2E_READ_ONLY_KEY", "read-only-key");
    return { target: await e2eTarget("target.test"), seen: server.seen };
  }

  it("sends a raw request again, as it was, when a deployed stage throttles it (429 never reached the API)", async () => {
    const { target, seen } = await remoteTarget(2);
    const response = await target.raw("POST", "/users?x=1", { body: "{not json" });

    expect(response.status).toBe(400);
    expect(seen).toEqual(Array(3).fill("POST /users?x=1 {not json"));
  });

  it("gives up after five retries and answers the 429", async () => {
    const { target, seen } = await remoteTarget(100);
    expect((await target.raw("GET", "/users")).status).toBe(429);
    expect(seen).toHaveLength(6);
  });

  it("tampers with every cursor, whatever its last two characters", () => {
    // Signed with many secrets, the signatures' last two characters take every value the alphabet has.
    const cursors = Array.from({ length: 2000 }, (_, index) => encodeCursor(pageKey("cb2f3f59-2dac-4e6a-99c7-f4df8a46db69"), `secret-${index}`));
    expect(new Set(cursors.map((cursor) => cursor.at(-2))).size).toBe(64);
    for (const cursor of cursors) {
      const tampered = tamperedCursor(cursor);
      expect(tampered, cursor).not.toBe(cursor);
      expect(tampered).toHaveLength(cursor.length);
      expect(Buffer.from(tampered.split(".")[1] ?? "", "base64url")).not.toEqual(Buffer.from(cursor.split(".")[1] ?? "", "base64url"));
    }
  });
});
