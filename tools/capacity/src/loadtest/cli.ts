import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runCommand } from "@users-api/cli";
import { loadTestUsage, parseLoadTestArgs } from "./args.js";
import { formatLoadTestReport } from "./report.js";
import { formatProgress, runLoadTest, type LoadTestProgress } from "./run.js";

/** On a terminal, one progress line redrawn every second; into a log, a line every 5 s. */
function progressReporter(onTerminal: boolean) {
  return (progress: LoadTestProgress) => {
    if (onTerminal) process.stderr.write(`\r${formatProgress(progress)}`);
    else if (Math.round(progress.elapsedSeconds) % 5 === 0) console.error(formatProgress(progress));
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseLoadTestArgs(argv);
  if (!args) {
    console.log(loadTestUsage);
    return 0;
  }
  if (argv.some((arg) => arg === "--key" || arg.startsWith("--key="))) {
    console.error("Warning: --key is visible to every user of this machine in `ps`; prefer USERS_API_KEY=<key> pnpm loadtest ...");
  }
  console.log(
    `Load testing ${args.url} with the ${args.mix} mix at ${args.rate} req/s for ${args.durationSeconds} s (Ctrl-C stops it early and reports what was sent)...`,
  );
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const report = await runLoadTest({
    url: args.url,
    key: args.key,
    ratePerSecond: args.rate,
    durationSeconds: args.durationSeconds,
    mix: args.mix,
    connections: args.connections,
    timeoutSeconds: args.timeoutSeconds,
    onTick: progressReporter(process.stderr.isTTY === true),
    signal: stop.signal,
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  if (stop.signal.aborted)
    console.log(`Stopped after ${report.elapsedSeconds.toFixed(1)} s of ${args.durationSeconds} s: the report covers what was sent until then.`);
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatLoadTestReport(report)}\nReport: ${args.out}`);
  console.log(report.total.errors === 0 ? "Load test finished: no errors." : `Load test finished with ${report.total.errors} errors (see the report).`);
  return report.total.errors === 0 ? 0 : 1;
}

runCommand(() => main(process.argv.slice(2)), loadTestUsage);
