import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RunningLocalApi } from "../../src/local-paths.js";

export const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));

/** The pnpm a person types, from the PATH. */
export const pnpmBinary = execFileSync("sh", ["-c", "command -v pnpm"], { encoding: "utf8" }).trim();

export interface PnpmLocal {
  readonly child: ChildProcess;
  /** pid of the pnpm process, which leads its own process group (as a terminal's foreground job does). */
  readonly pid: number;
  output(): string;
  /** Resolves when pnpm exits, with its exit code (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `pnpm local` as a person would in a terminal: the real pnpm, in a
 * process group of its own, with the data directory and port given.
 */
export function spawnPnpmLocal(options: { dataDir: string; port: number; env?: Record<string, string> }): PnpmLocal {
  const child = spawn(pnpmBinary, ["local"], {
    cwd: repositoryRoot,
    env: { ...process.env, USERS_API_LOCAL_DIR: options.dataDir, PORT: String(options.port), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  if (child.pid === undefined) throw new Error("pnpm did not start");
  return { child, pid: child.pid, output: () => output, exited };
}

/** Starts `pnpm local` and waits until it says `ready`. */
export async function startPnpmLocal(options: { dataDir: string; port: number; env?: Record<string, string> }): Promise<PnpmLocal> {
  const local = spawnPnpmLocal(options);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pnpm local was not ready in time:\n${local.output()}`)), 120_000);
    const check = () => {
      if (/^ready$/m.test(local.output())) {
        clearTimeout(timer);
        resolve();
      }
    };
    local.child.stdout?.on("data", check);
    void local.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`pnpm local exited (${code ?? signal}) before it was ready:\n${local.output()}`));
    });
  });
  return local;
}

export const readRunning = (dataDir: string): RunningLocalApi => JSON.parse(readFileSync(`${dataDir}/running.json`, "utf8")) as RunningLocalApi;

export const runningFileExists = (dataDir: string) => existsSync(`${dataDir}/running.json`);

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every process whose command line mentions `text` (e.g. a data directory or a port), with its pid. */
export function processesMentioning(text: string): { pid: number; args: string }[] {
  const listing = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: match[2] ?? "" }))
    .filter(({ pid, args }) => pid !== process.pid && args.includes(text) && !args.startsWith("ps "));
}

/** pids of every process in a process group. */
export function processGroup(pgid: number): number[] {
  const listing = execFileSync("ps", ["-eo", "pid=,pgid="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, group]) => group === pgid)
    .map(([pid]) => pid as number);
}

/** pid of the emulator listening on an endpoint's port (DynamoDB Local: `-port N`; moto: `-p N`). */
export function emulatorPid(endpoint: string): number {
  const port = new URL(endpoint).port;
  // Not the shell that runs it (die-with-parent.sh, which mentions the same options).
  const found = processesMentioning(` ${port}`).find(({ args }) => new RegExp(`(-port|-p) ${port}(\\s|$)`).test(args) && !args.includes("die-with-parent.sh"));
  if (!found) throw new Error(`No emulator process listens on ${endpoint}`);
  return found.pid;
}

export const refusesConnections = (url: string) =>
  fetch(url).then(
    () => false,
    () => true,
  );

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting until ${what}`);
}

/** Ends every process still alive among `pids` (test clean-up only; they are this test's own). */
export function killAll(pids: readonly number[]) {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
