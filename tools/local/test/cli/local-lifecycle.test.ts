import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { hashApiKey } from "@users-api/core";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort, waitUntil } from "@users-api/emulators/child-process";
import { dynamoDbLocalCommand } from "@users-api/emulators/dynamodb-local";
import { motoCommand } from "@users-api/emulators/moto";
import { localApiKeysSecretName } from "@users-api/emulators/stage";
import {
  emulatorPid,
  eventually,
  isAlive,
  killAll,
  processGroup,
  processesMentioning,
  readRunning,
  refusesConnections,
  repositoryRoot,
  runningFileExists,
  spawnPnpmLocal,
  startPnpmLocal,
  type PnpmLocal,
} from "../helpers/pnpm-local.js";
import { runCli } from "./run-cli.js";

const tsx = `${repositoryRoot}node_modules/.bin/tsx`;
const dataDirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "users-api-lifecycle-"));
  dataDirs.push(dir);
  return dir;
};

/** Every process a running `pnpm local` is made of: its process group and the emulators (groups of their own). */
function processTree(local: PnpmLocal, dataDir: string): number[] {
  const running = readRunning(dataDir);
  return [...processGroup(local.pid), emulatorPid(running.dynamoDbEndpoint), emulatorPid(running.motoEndpoint)];
}

let cleanup: number[] = [];
afterEach(() => {
  // Whatever a failed test left running: the processes it saw, and any process still using one of its data directories.
  killAll([...cleanup, ...dataDirs.flatMap((dir) => processesMentioning(dir).map(({ pid }) => pid))]);
  cleanup = [];
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function started(dataDir: string, port = 0) {
  const local = await startPnpmLocal({ dataDir, port: port || (await freePort()) });
  const tree = processTree(local, dataDir);
  cleanup.push(...tree);
  return { local, tree, running: readRunning(dataDir), key: readFileSync(join(dataDir, "api-key"), "utf8").trim() };
}

async function expectEverythingStopped(tree: readonly number[], running: ReturnType<typeof readRunning>, dataDir: string) {
  await eventually(() => tree.every((pid) => !isAlive(pid)), `every process of pnpm local has exited (${tree.join(", ")})`);
  expect(await refusesConnections(running.url)).toBe(true);
  expect(await refusesConnections(running.dynamoDbEndpoint)).toBe(true);
  expect(await refusesConnections(running.motoEndpoint)).toBe(true);
  expect(runningFileExists(dataDir)).toBe(false);
}

const createKey = async (dataDir: string, name: string) => {
  const result = await runCli("keys", ["create", "--stage", "local", "--name", name, "--scopes", "users:read"], { USERS_API_LOCAL_DIR: dataDir });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain(`Created key "${name}"`);
  return result.stdout.trim().split("\n").at(-1) ?? "";
};

/** `pnpm keys create`, calling `onCreated` as soon as it prints "Created" (it still has to exit). */
function createKeyThen(dataDir: string, name: string, onCreated: () => void): Promise<string> {
  const child = spawn(tsx, ["tools/local/src/cli/keys.ts", "create", "--stage", "local", "--name", name, "--scopes", "users:read"], {
    cwd: repositoryRoot,
    env: { ...process.env, USERS_API_LOCAL_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  let told = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (!told && output.includes(`Created key "${name}"`)) {
      told = true;
      onCreated();
    }
  });
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (told && code === 0 ? resolve(output.trim().split("\n").at(-1) ?? "") : reject(new Error(`pnpm keys: ${output}`)))),
  );
}

const keyWorks = async (url: string, key: string) => (await fetch(`${url}/users?limit=1`, { headers: { "x-api-key": key } })).status === 200;

describe("pnpm local stops cleanly", () => {
  it("on kill -TERM of the pnpm process: no process left, running.json removed", async () => {
    const dataDir = newDataDir();
    const { local, tree, running } = await started(dataDir);

    process.kill(local.pid, "SIGTERM");

    await local.exited;
    await expectEverythingStopped(tree, running, dataDir);
  }, 180_000);

  it("when its terminal closes (SIGHUP to the process group), with the keys on disk", async () => {
    const dataDir = newDataDir();
    const { local, tree, running } = await started(dataDir);
    const key = await createKey(dataDir, "before-hangup");

    process.kill(-local.pid, "SIGHUP");

    await local.exited;
    await expectEverythingStopped(tree, running, dataDir);
    const backup = readFileSync(join(dataDir, "api-keys.json"), "utf8");
    expect(backup).toContain(hashApiKey(key));
  }, 180_000);

  it("on Ctrl-C, after answering the requests already in flight, even those it has not read yet", async () => {
    const dataDir = newDataDir();
    const { local, tree, running, key } = await started(dataDir);
    // Each request is written in full before Ctrl-C: in flight for the client, though the runner may not have read it yet
    // (on a busy machine it has not even accepted the connection). The functions are cold: they answer only after Ctrl-C.
    const requests = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        sendRequest(
          running.url,
          "/users",
          { "x-api-key": key, "content-type": "application/json" },
          JSON.stringify({ email: `in-flight-${index}@example.com`, name: "In Flight" }),
        ),
      ),
    );

    process.kill(-local.pid, "SIGINT");

    expect(await Promise.all(requests.map(({ status }) => status))).toEqual(Array(6).fill(201));
    expect((await local.exited).code).toBe(0);
    await expectEverythingStopped(tree, running, dataDir);
  }, 180_000);
});

/**
 * POSTs over a connection of its own and resolves once the whole request is handed to the kernel; `status` then
 * resolves with the answer's status, or how the connection ended without one.
 */
function sendRequest(url: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: Promise<number | string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveSent, rejectSent) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    const status = new Promise<number | string>((resolve) => {
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(`failed: ${error.code ?? error.message}`));
      socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]) || `closed without an answer: ${JSON.stringify(answer)}`));
    });
    socket.once("error", rejectSent);
    const head = Object.entries({ ...headers, host: `${hostname}:${port}`, "content-length": String(Buffer.byteLength(body)), connection: "close" })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.once("connect", () => socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n${body}`, () => resolveSent({ status })));
  });
}

/**
 * Starts a command as an emulator a killed runner left behind: detached, without die-with-parent.sh, and orphaned
 * (the shell that started it exits at once), so nothing but a signal stops it. Returns its pid once `ready` holds.
 */
async function startOrphan(command: { command: string; args: readonly string[]; cwd?: string }, ready: () => Promise<unknown>, what: string) {
  const quoted = [command.command, ...command.args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
  const shell = spawn("/bin/sh", ["-c", `${quoted} </dev/null >/dev/null 2>&1 & echo $!`], {
    cwd: command.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  shell.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => shell.once("exit", resolve));
  const pid = Number(output.trim());
  cleanup.push(pid);
  await waitUntil(ready, what, 60_000);
  return pid;
}

describe("pnpm local on a data directory with emulators left running", () => {
  it("stops them, naming their pids, and then writes to the data directory on its own emulators", async () => {
    const dataDir = newDataDir();
    mkdirSync(join(dataDir, "dynamodb"), { mode: 0o700 });
    const [dynamoDbPort, motoPort] = [await freePort(), await freePort()];
    const leftDynamoDb = await startOrphan(
      dynamoDbLocalCommand({ port: dynamoDbPort, dbPath: join(dataDir, "dynamodb") }),
      () => fetch(`http://127.0.0.1:${dynamoDbPort}`),
      "the leftover DynamoDB Local",
    );
    const leftMoto = await startOrphan(
      motoCommand({ port: motoPort, mirrorSecrets: { [localApiKeysSecretName("local")]: join(dataDir, "api-keys.json") } }),
      () => fetch(`http://127.0.0.1:${motoPort}/moto-api/`),
      "the leftover moto",
    );
    expect(processesMentioning(dataDir).map(({ pid }) => pid)).toEqual(expect.arrayContaining([leftDynamoDb, leftMoto]));

    const { local, running, key } = await started(dataDir);

    expect(local.output()).toMatch(new RegExp(`DynamoDB Local \\(pid ${leftDynamoDb}\\)`));
    expect(local.output()).toMatch(new RegExp(`moto \\(pid ${leftMoto}\\)`));
    expect(isAlive(leftDynamoDb)).toBe(false);
    expect(isAlive(leftMoto)).toBe(false);
    const creates = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        fetch(`${running.url}/users`, {
          method: "POST",
          headers: { "x-api-key": key, "content-type": "application/json" },
          body: JSON.stringify({ email: `after-leftovers-${index}@example.com`, name: "After Leftovers" }),
        }).then((response) => response.status),
      ),
    );
    expect(creates).toEqual(Array(10).fill(201));
    process.kill(local.pid, "SIGTERM");
    expect((await local.exited).code).toBe(0);
  }, 240_000);
});

describe("pnpm local watches its emulators", () => {
  it.each([
    ["DynamoDB Local", (running: ReturnType<typeof readRunning>) => emulatorPid(running.dynamoDbEndpoint)],
    ["moto", (running: ReturnType<typeof readRunning>) => emulatorPid(running.motoEndpoint)],
  ])(
    "says so when %s dies, stops everything else and exits non-zero",
    async (name, pidOf) => {
      const dataDir = newDataDir();
      const { local, tree, running } = await started(dataDir);

      process.kill(pidOf(running), "SIGKILL");

      const { code } = await local.exited;
      expect(code).not.toBe(0);
      expect(local.output()).toMatch(new RegExp(`^${name} \\(pid \\d+\\) died unexpectedly \\(SIGKILL\\)`, "m"));
      await expectEverythingStopped(tree, running, dataDir);
    },
    180_000,
  );

  it("keeps a key the CLI reported as created even when moto is killed right after", async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const first = await started(dataDir, port);
    const moto = emulatorPid(first.running.motoEndpoint);

    // moto is killed the moment the CLI says "Created", before any periodic backup could run.
    const key = await createKeyThen(dataDir, "survivor", () => process.kill(moto, "SIGKILL"));
    // pnpm local stops on its own when moto dies; should it not, Ctrl-C stops it.
    const stopped = await Promise.race([first.local.exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 20_000))]);
    if (stopped === undefined) process.kill(-first.local.pid, "SIGINT");
    await first.local.exited;

    const second = await started(dataDir, port);
    expect(await keyWorks(second.running.url, key)).toBe(true);
    process.kill(second.local.pid, "SIGTERM");
    await second.local.exited;
  }, 240_000);
});

describe("a second pnpm local", () => {
  it("on the same data directory is refused before it touches anything", async () => {
    const dataDir = newDataDir();
    const first = await started(dataDir);
    const runningBefore = readFileSync(join(dataDir, "running.json"), "utf8");
    const logsBefore = readdirSync(join(dataDir, "logs")).sort();

    const second = spawnPnpmLocal({ dataDir, port: await freePort() });
    const { code } = await second.exited;

    expect(code).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`pnpm local is already running on this data directory \\(pid ${first.running.pid}, ${first.running.url}\\)`));
    expect(readFileSync(join(dataDir, "running.json"), "utf8")).toBe(runningBefore);
    expect(readdirSync(join(dataDir, "logs")).sort()).toEqual(logsBefore);
    expect(await keyWorks(first.running.url, first.key)).toBe(true);
    process.kill(first.local.pid, "SIGTERM");
    await first.local.exited;
  }, 180_000);

  it("on the same port is refused before it starts an emulator", async () => {
    const port = await freePort();
    const first = await started(newDataDir(), port);
    const otherDir = newDataDir();

    const second = spawnPnpmLocal({ dataDir: otherDir, port });
    const { code } = await second.exited;

    expect(code).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`Port ${port} is already in use`));
    expect(readdirSync(otherDir)).toEqual([]);
    expect(await keyWorks(first.running.url, first.key)).toBe(true);
    process.kill(first.local.pid, "SIGTERM");
    await first.local.exited;
  }, 180_000);
});
