import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";

export interface CommandResult {
  readonly exitCode: number;
  /** Standard output and error, interleaved as they came. */
  readonly output: string;
  readonly stdout: string;
  readonly durationMs: number;
}

export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    const tail = result.output.trim().split("\n").slice(-25).join("\n");
    super(`\`${command}\` exited with code ${result.exitCode}:\n${tail}`);
  }
}

/**
 * Runs a command of the project (`sst …` from node_modules, `pnpm keys …`) in `cwd` with `env`,
 * appending its output to `logFile`; a non-zero exit throws with the end of the output.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; timeoutMs?: number },
): Promise<CommandResult> {
  const started = Date.now();
  const display = [command, ...args].join(" ");
  appendFileSync(options.logFile, `\n$ ${display}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let stdout = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      appendFileSync(options.logFile, chunk);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      collect(chunk);
    });
    child.stderr.on("data", collect);
    const timer = setTimeout(
      () => {
        output += `\n(timed out after ${options.timeoutMs} ms)\n`;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      },
      options.timeoutMs ?? 10 * 60_000,
    );
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      const result = { exitCode: code ?? 1, output, stdout, durationMs: Date.now() - started };
      if (result.exitCode === 0) resolve(result);
      else reject(new CommandFailed(display, result));
    });
  });
}

/** The project's own SST CLI, as `pnpm exec sst` would run it. */
export const sstBinary = (projectDir: string) => path.join(projectDir, "node_modules", ".bin", "sst");
