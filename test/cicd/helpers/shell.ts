import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface ShellResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the event loop, so servers in this process keep answering. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<ShellResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a step's `run:` script as GitHub Actions runs `shell: bash` (`bash --noprofile --norc -eo pipefail`). */
export async function runBashStep(script: string, options: { cwd: string; env?: Record<string, string> }) {
  const dir = await mkdtemp(path.join(tmpdir(), "step-"));
  const file = path.join(dir, "step.sh");
  await writeFile(file, script);
  try {
    return await run("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", ...options.env },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
