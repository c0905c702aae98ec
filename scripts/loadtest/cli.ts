import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError, loadTestUsage, parseLoadTestArgs } from "./args.js";
import { formatLoadTestReport } from "./report.js";
import { runLoadTest } from "./run.js";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseLoadTestArgs(argv);
  if (!args) {
    console.log(loadTestUsage);
    return 0;
  }
  if (argv.some((arg) => arg === "--key" || arg.startsWith("--key="))) {
    console.error("Warning: --key is visible to every user of this machine in `ps`; prefer USERS_API_KEY=<key> pnpm loadtest ...");
  }
  console.log(`Load testing ${args.url} with the ${args.mix} mix at ${args.rate} req/s for ${args.durationSeconds} s...`);
  const report = await runLoadTest({
    url: args.url,
    key: args.key,
    ratePerSecond: args.rate,
    durationSeconds: args.durationSeconds,
    mix: args.mix,
    connections: args.connections,
    timeoutSeconds: args.timeoutSeconds,
    onTick: process.stderr.isTTY ? (responses) => process.stderr.write(`\r${responses} responses`) : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatLoadTestReport(report)}\nReport: ${args.out}`);
  return report.total.errors === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof UsageError ? `${message}\n\n${loadTestUsage}` : `Error: ${message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
