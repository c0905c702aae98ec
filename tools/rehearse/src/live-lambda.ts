import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import { sstBinary } from "./sst-cli.js";

/**
 * `sst dev` as a developer runs it: the real CLI from node_modules, for a personal stage, started in its own
 * process group (as a terminal's foreground job) so that an interrupt reaches it as Ctrl-C does.
 */
export interface SstDevSession {
  /** Everything the session printed so far. */
  output(): string;
  /** Resolves when the output matches `pattern` after `from` (an offset into the output). */
  waitFor(pattern: RegExp, timeoutMs: number, from?: number): Promise<void>;
  /** Ctrl-C: SIGINT to the session's process group; resolves with how it ended (SIGKILL when it ignored it). */
  interrupt(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills what is left (after a failure). */
  kill(): void;
  readonly child: ChildProcess;
}

export function startSstDev(options: { appDir: string; stage: string; environment: NodeJS.ProcessEnv; logFile: string }): SstDevSession {
  appendFileSync(options.logFile, `\n$ sst dev --stage ${options.stage}\n`);
  const command = [sstBinary(options.appDir), "dev", "--stage", options.stage];
  // A process started in the background (a CI step, a non-interactive shell) inherits SIGINT ignored, and
  // Node keeps it so: a terminal's foreground job has it at its default. GNU env resets it, as a terminal would.
  const [file, ...args] = process.platform === "linux" ? ["env", "--default-signal=INT", ...command] : command;
  const child = spawn(file!, args, {
    cwd: options.appDir,
    env: options.environment,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    appendFileSync(options.logFile, chunk);
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let running = true;
  void exited.then(() => {
    running = false;
    for (const waiter of waiters) waiter();
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // Already gone.
    }
  };
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output.slice(from))) finish();
          else if (!running) finish(new Error(`sst dev exited before printing ${pattern}:\n${tail(output)}`));
        };
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(() => finish(new Error(`sst dev did not print ${pattern} within ${timeoutMs / 1000} s:\n${tail(output)}`)), timeoutMs);
        waiters.add(check);
        check();
      }),
    interrupt: async (timeoutMs = 20_000) => {
      signal("SIGINT");
      const timer = setTimeout(() => signal("SIGKILL"), timeoutMs);
      const ended = await exited;
      clearTimeout(timer);
      return ended;
    },
    kill: () => signal("SIGKILL"),
  };
}

const tail = (text: string) => text.trim().split("\n").slice(-30).join("\n");
