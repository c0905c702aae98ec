import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { UsageError, parseCommandLine, runCommand } from "@users-api/cli";
import { DEV_STAGE, rehearseDev } from "./dev-rehearsal.js";
import { DEFAULT_STAGES, RehearsalFailed, rehearse, type Rehearsal } from "./rehearsal.js";

const usage = `Rehearse a deploy: the real SST CLI against an AWS emulator on this machine (no AWS account).

  pnpm rehearse [--stage <stage> ...] [--keep] [--serve <file>]
  pnpm rehearse --dev [--serve <file>]

--stage   stages to rehearse, in order (default: ${DEFAULT_STAGES.join(", ")}, then \`sst dev\` on ${DEV_STAGE})
--keep    stop before \`sst remove\` and leave the emulator running with the stages deployed
--dev     rehearse only \`sst dev\` (Live Lambda) on the personal stage ${DEV_STAGE}
--serve   after the rehearsal, keep the last stage (prod by default; with --dev the Live Lambda stage)
          serving its API, write { "stages": [{ "stage", "url", "apiKey", "readOnlyKey" }] } to <file>,
          and serve until Ctrl-C`;

function printAccess(rehearsal: Rehearsal, stages: readonly string[]) {
  const { endpoint, region, credentials } = rehearsal.emulator;
  console.log(`
The emulator keeps running with ${stages.join(" and ")} deployed; Ctrl-C stops it.

  endpoint     ${endpoint}
  region       ${region}
  credentials  ${credentials.accessKeyId} / ${credentials.secretAccessKey} (fake; the emulator accepts any)

In another shell:

  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}
  aws cloudformation describe-stacks --query 'Stacks[].[StackName,StackStatus]' --output table
  aws cloudformation list-stack-resources --stack-name ${stages[0]}-users-api-Api
  aws application-autoscaling describe-scalable-targets --service-namespace dynamodb
  aws cloudwatch describe-alarms --query 'MetricAlarms[].AlarmName'
  pnpm keys list --stage ${stages[0]}

or with the SDK, e.g. new LambdaClient({}) picks up the same variables.
The deployed project copy is in ${rehearsal.appDir}; the log in ${rehearsal.logFile}.`);
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      stage: { type: "string", multiple: true },
      keep: { type: "boolean" },
      serve: { type: "string" },
      dev: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.dev && (values.stage || values.keep)) throw new UsageError("--dev rehearses `sst dev` alone: drop --stage and --keep, or run them without --dev");
  if (values.dev) return rehearseDevFromCli(values.serve === undefined ? undefined : path.resolve(values.serve));
  const serveFile = values.serve === undefined ? undefined : path.resolve(values.serve);
  const stages = values.stage ?? [...DEFAULT_STAGES];
  const workDir = mkdtempSync(path.join(tmpdir(), "users-api-rehearsal-"));
  const started = Date.now();
  console.log(`Rehearsing ${stages.join(", ")} against the emulator (work directory ${workDir})`);
  let rehearsal: Rehearsal;
  try {
    rehearsal = await rehearse({
      projectDir: process.cwd(),
      workDir,
      stages,
      keep: values.keep,
      serve: serveFile !== undefined,
      report: (line) => console.log(line),
    });
  } catch (error) {
    if (!(error instanceof RehearsalFailed)) throw error;
    console.error(
      `\nRehearsal failed: ${error.message}\n\nFull log: ${path.join(workDir, "rehearsal.log")}; emulator log: ${path.join(workDir, "emulator.log")}`,
    );
    return 1;
  }
  console.log(
    `\nRehearsal passed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${rehearsal.resourcesChecked} template resources checked in the emulator's service APIs.`,
  );
  // The plain run includes `sst dev`; a run of chosen stages is about those stages.
  if (!values.stage) {
    const devCode = await rehearseDevFromCli();
    if (devCode !== 0) {
      await rehearsal.stop();
      return devCode;
    }
  }
  if (serveFile && rehearsal.served) {
    writeFileSync(serveFile, `${JSON.stringify({ stages: [rehearsal.served] }, null, 2)}\n`, { mode: 0o600 });
    console.log(`\nServing stage ${rehearsal.served.stage} at ${rehearsal.served.url}; its URL and keys are in ${serveFile}. Ctrl-C stops it and cleans up.`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    console.log(`Stopping: revoking the served stage's keys, then sst remove --stage ${rehearsal.served.stage}.`);
    rmSync(serveFile, { force: true });
    try {
      await rehearsal.finishServing();
    } catch (error) {
      await rehearsal.stop();
      if (!(error instanceof RehearsalFailed)) throw error;
      console.error(`\nRehearsal failed: ${error.message}\n\nFull log: ${path.join(workDir, "rehearsal.log")}`);
      return 1;
    }
    await rehearsal.stop();
    rmSync(workDir, { recursive: true, force: true });
    console.log("Stopped: the served stage is removed, its keys revoked, the emulator stopped.");
    return 0;
  }
  if (!values.keep) {
    await rehearsal.stop();
    rmSync(workDir, { recursive: true, force: true });
    return 0;
  }
  printAccess(rehearsal, stages);
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  await rehearsal.stop();
  return 0;
}

async function rehearseDevFromCli(serveFile?: string): Promise<number> {
  const workDir = mkdtempSync(path.join(tmpdir(), "users-api-rehearsal-dev-"));
  const started = Date.now();
  console.log(`\nRehearsing \`sst dev\` (Live Lambda) on ${DEV_STAGE} against the emulator (work directory ${workDir})`);
  const whileServing = async (served: { stage: string; url: string; apiKey: string; readOnlyKey: string }) => {
    if (!serveFile) return;
    writeFileSync(serveFile, `${JSON.stringify({ stages: [served] }, null, 2)}\n`, { mode: 0o600 });
    console.log(
      `\nServing the Live Lambda stage ${served.stage} at ${served.url} (handlers run in sst dev); its URL and keys are in ${serveFile}. Ctrl-C stops it and cleans up.`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    rmSync(serveFile, { force: true });
    console.log(`Stopping: revoking the stage's keys, Ctrl-C to sst dev, then sst remove --stage ${served.stage}.`);
  };
  try {
    const { requestDurationsMs } = await rehearseDev({ projectDir: process.cwd(), workDir, report: (line) => console.log(line), whileServing });
    console.log(
      `\n\`sst dev\` rehearsal passed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${requestDurationsMs.length} requests through Live Lambda, p50 ${percentile(requestDurationsMs, 0.5).toFixed(0)} ms.`,
    );
  } catch (error) {
    if (!(error instanceof RehearsalFailed)) throw error;
    console.error(
      `\nRehearsal failed: ${error.message}\n\nFull log: ${path.join(workDir, "rehearsal-dev.log")}; stubs' log: ${path.join(workDir, "stubs.log")}; emulator log: ${path.join(workDir, "emulator-dev.log")}`,
    );
    return 1;
  }
  rmSync(workDir, { recursive: true, force: true });
  return 0;
}

const percentile = (values: readonly number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
};

runCommand(() => main(process.argv.slice(2)), usage, { showStack: true });
