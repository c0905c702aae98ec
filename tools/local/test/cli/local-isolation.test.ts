import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@users-api/emulators/child-process";
import { listeningSockets, isLoopback } from "../helpers/listening-sockets.js";
import { emulatorPid, eventually, isAlive, killAll, processesMentioning, readRunning, startPnpmLocal, type PnpmLocal } from "../helpers/pnpm-local.js";

const dataDirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "users-api-isolation-"));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => {
  killAll(dataDirs.flatMap((dir) => processesMentioning(dir).map(({ pid }) => pid)));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("a running pnpm local (output piped, as into a log file)", () => {
  const dataDir = newDataDir();
  let local: PnpmLocal;
  let running: ReturnType<typeof readRunning>;
  let key: string;
  beforeAll(async () => {
    local = await startPnpmLocal({ dataDir, port: await freePort() });
    running = readRunning(dataDir);
    key = readFileSync(join(dataDir, "api-key"), "utf8").trim();
    // A user and a key change, so the database file and the key backup both exist.
    const created = await fetch(`${running.url}/users`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ email: "private@example.com", name: "Private" }),
    });
    expect(created.status).toBe(201);
  }, 180_000);

  it.each([
    ["the gateway and the IAM proxy", () => running.pid, 2],
    ["DynamoDB Local", () => emulatorPid(running.dynamoDbEndpoint), 1],
    ["moto", () => emulatorPid(running.motoEndpoint), 1],
  ])("%s listen on the loopback interface only", (_name, pidOf, atLeast) => {
    const sockets = listeningSockets(pidOf());

    expect(sockets.length).toBeGreaterThanOrEqual(atLeast);
    expect(sockets.filter(({ address }) => !isLoopback(address))).toEqual([]);
  });

  it("keeps users and keys for this user only: directories 0700, files 0600", () => {
    const database = readdirSync(join(dataDir, "dynamodb")).map((name) => join("dynamodb", name));
    const logs = readdirSync(join(dataDir, "logs")).map((name) => join("logs", name));
    expect(database.length).toBeGreaterThan(0);
    const modes = Object.fromEntries(
      [".", "dynamodb", "logs", "api-keys.json", "api-key", "cursor-secret", ...database, ...logs].map((path) => [path, modeOf(join(dataDir, path))]),
    );

    expect(modes).toEqual(Object.fromEntries(Object.keys(modes).map((path) => [path, [".", "dynamodb", "logs"].includes(path) ? "700" : "600"])));
  });

  it("does not write the full-access key into its output when that is not a terminal", () => {
    expect(local.output()).toMatch(/^ready$/m);
    expect(local.output()).not.toContain(key);
    expect(local.output()).toContain(`in ${join(dataDir, "api-key")}`);
  });

  it("on kill -9 of the runner, takes every process it started with it within seconds", async () => {
    const started = processesMentioning(dataDir).map(({ pid }) => pid);
    expect(started).toEqual(expect.arrayContaining([emulatorPid(running.dynamoDbEndpoint), emulatorPid(running.motoEndpoint)]));

    process.kill(running.pid, "SIGKILL");

    await eventually(() => started.every((pid) => !isAlive(pid)), `the processes ${started.join(", ")} have exited`, 10_000);
    await local.exited;
  }, 30_000);
});
