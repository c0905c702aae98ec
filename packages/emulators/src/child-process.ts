import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Runs a command and ends it when this process is gone, however it ended (see the script). */
const DIE_WITH_PARENT = fileURLToPath(new URL("./die-with-parent.sh", import.meta.url));

/**
 * A child process in its own process group, so stopping it also stops whatever it spawned. `child` is
 * the group leader: a small shell that ends the command when this process dies, even by kill -9.
 */
export interface ManagedProcess {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: readonly string[], options: { cwd?: string; logFile?: NodeJS.WritableStream } = {}): ManagedProcess {
  // stdin is a pipe this process never writes to nor closes: its end closes only when this process exits.
  const child = spawn("/bin/sh", [DIE_WITH_PARENT, command, ...args], { cwd: options.cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  if (options.logFile) {
    child.stdout?.pipe(options.logFile, { end: false });
    child.stderr?.pipe(options.logFile, { end: false });
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Asks the OS for a free port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls until `probe` succeeds, or fails with the last error after `timeoutMs`. */
export async function waitUntil(probe: () => Promise<unknown>, what: string, timeoutMs = 30_000, process?: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (process && process.exitCode !== null) throw new Error(`${what} exited with code ${process.exitCode} before it was ready`);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms: ${String(lastError)}`);
}
