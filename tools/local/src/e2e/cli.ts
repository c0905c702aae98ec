import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCommand } from "@users-api/cli";
import { e2eUsage, parseE2eArgs } from "./args.js";

const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));

function main(argv: readonly string[]): Promise<number> {
  const run = parseE2eArgs(argv);
  if (!run) {
    console.log(e2eUsage);
    return Promise.resolve(0);
  }
  const target = run.environment.E2E_BASE_URL ?? "local APIs on the emulators";
  console.log(`End-to-end: the ${run.suites.join(", ")} suites against ${target}`);
  const vitest = fileURLToPath(new URL("../../../../node_modules/.bin/vitest", import.meta.url));
  const child = spawn(vitest, ["run", "--config", "vitest.e2e.config.ts", ...run.vitestArgs], {
    cwd: repositoryRoot,
    stdio: "inherit",
    env: { ...process.env, ...run.environment },
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

runCommand(() => main(process.argv.slice(2)), e2eUsage);
