import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@users-api/emulators/child-process";
import type { RunningLocalApi } from "../../src/local-paths.js";
import { runCli } from "./run-cli.js";

const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "users-api-local-"));
const environment = { USERS_API_LOCAL_DIR: dataDir };

/** Starts `pnpm local` as a person would and waits for it to say it is ready. */
async function startLocal(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(tsx, ["tools/local/src/cli/local.ts"], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pnpm local was not ready in time:\n${output}`)), 90_000);
    child.stdout?.on("data", () => {
      if (/^ready$/m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`pnpm local exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}

const isRefused = (url: string) =>
  fetch(url).then(
    () => false,
    () => true,
  );

describe("pnpm local", () => {
  let running: ChildProcess | undefined;
  afterAll(() => {
    running?.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves the API with a seeded key, stops every process on Ctrl-C, and keeps data and keys across a restart", async () => {
    const port = await freePort();
    const first = await startLocal(port);
    running = first.child;
    const baseUrl = `http://127.0.0.1:${port}`;
    const seededKey = readFileSync(join(dataDir, "api-key"), "utf8").trim();
    expect(first.output()).toContain(baseUrl);
    // Piped, as here, the banner names the key's file instead of showing the key (it would end up in log files).
    expect(first.output()).toContain(`in ${join(dataDir, "api-key")}`);
    expect(first.output()).not.toContain(seededKey);

    const openApi = await fetch(`${baseUrl}/openapi.json`);
    expect(openApi.status).toBe(200);
    expect(await openApi.json()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/), servers: [{ url: baseUrl }] });

    const created = await fetch(`${baseUrl}/users`, {
      method: "POST",
      headers: { "x-api-key": seededKey, "content-type": "application/json" },
      body: JSON.stringify({ email: "restart@example.com", name: "Survives Restarts" }),
    });
    expect(created.status).toBe(201);
    const { userId } = (await created.json()) as { userId: string };
    const madeKey = await runCli("keys", ["create", "--stage", "local", "--name", "reader", "--scopes", "users:read"], environment);
    expect(madeKey.code).toBe(0);
    const readerKey = madeKey.stdout.trim().split("\n").at(-1) ?? "";
    const endpoints = JSON.parse(readFileSync(join(dataDir, "running.json"), "utf8")) as RunningLocalApi;

    expect(await interrupt(first.child)).toBe(0);
    expect(await isRefused(baseUrl)).toBe(true);
    expect(await isRefused(endpoints.dynamoDbEndpoint)).toBe(true);
    expect(await isRefused(endpoints.motoEndpoint)).toBe(true);

    const second = await startLocal(port);
    running = second.child;
    expect(readFileSync(join(dataDir, "api-key"), "utf8").trim()).toBe(seededKey);
    const fetched = await fetch(`${baseUrl}/users/${userId}`, { headers: { "x-api-key": readerKey } });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ userId, email: "restart@example.com" });
    expect(await interrupt(second.child)).toBe(0);
    running = undefined;
  }, 240_000);
});
