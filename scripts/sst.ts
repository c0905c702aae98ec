import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { DEFAULT_REGION } from "@users-api/core/app";
import { findAwsCredentials, missingCredentialsMessage } from "@users-api/core/aws/credentials";
import { unmetPreconditions } from "./account/preconditions.js";

/**
 * `pnpm dev`, `pnpm deploy:stage`, `pnpm remove:stage`: the SST CLI, after checking for AWS credentials.
 * Without them SST asks for a stage name and then prints a stack trace; this says what is missing instead.
 * A deploy checks the account's one-time set-up first (`pnpm run account:check`): a fresh account refuses the
 * stage's access logs half-way through the first deploy otherwise. `--dry-run` stops after the credentials check
 * and prints the SST command it would run.
 */
const commands = ["dev", "deploy", "remove"] as const;
const scriptOf: Record<(typeof commands)[number], string> = { dev: "pnpm dev", deploy: "pnpm deploy:stage", remove: "pnpm remove:stage" };

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!commands.includes(command as (typeof commands)[number])) {
    console.error(`Usage: tsx scripts/sst.ts ${commands.join("|")} [sst options]; run it as pnpm dev, pnpm deploy:stage or pnpm remove:stage.`);
    return 2;
  }
  const script = scriptOf[command as (typeof commands)[number]];
  const dryRun = rest.includes("--dry-run");
  const sstArgs = [command as string, ...rest.filter((arg) => arg !== "--dry-run")];
  const credentials = await findAwsCredentials();
  if (!credentials.found) {
    console.error(missingCredentialsMessage(script));
    return 1;
  }
  if (dryRun) {
    console.log(`AWS credentials found (${credentials.source}); would run: sst ${sstArgs.join(" ")}`);
    return 0;
  }
  if (command === "deploy") {
    const apiGateway = new APIGatewayClient({ region: process.env.AWS_REGION ?? DEFAULT_REGION });
    const problems = await unmetPreconditions(apiGateway, await apiGateway.config.region()).finally(() => apiGateway.destroy());
    if (problems.length > 0) {
      for (const problem of problems) console.error(problem);
      return 1;
    }
  }
  const sst = fileURLToPath(new URL("../node_modules/.bin/sst", import.meta.url));
  const child = spawn(sst, sstArgs, { stdio: "inherit", env: { ...process.env, SST_TELEMETRY_DISABLED: "1" } });
  // The terminal sends Ctrl-C to SST as well; a kill of this process alone is passed on.
  for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

main(process.argv.slice(2)).then((code) => process.exit(code));
