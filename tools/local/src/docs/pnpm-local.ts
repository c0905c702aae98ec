import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));

export interface PnpmLocal {
  readonly url: string;
  /** The full-access key it seeded. */
  readonly apiKey: string;
  /** Everything it printed so far. */
  output(): string;
  /** Ctrl-C, as a person stops it; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `pnpm local` as a person would (the same entry point), with its data in `dataDir`, and waits until it
 * says it is ready.
 */
export async function startPnpmLocal(options: { dataDir: string; port: number; timeoutMs?: number }): Promise<PnpmLocal> {
  const child = spawn(tsx, ["tools/local/src/cli/local.ts"], {
    cwd: repositoryRoot,
    env: { ...process.env, USERS_API_LOCAL_DIR: options.dataDir, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGINT");
      reject(new Error(`pnpm local was not ready in time:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready$/m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pnpm local exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    apiKey: readFileSync(join(options.dataDir, "api-key"), "utf8").trim(),
    output: () => output,
    stop: () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}
