import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_STAGES, RehearsalFailed, rehearse, type Rehearsal } from "./rehearsal.js";

const usage = `Rehearse a deploy: the real SST CLI against an AWS emulator on this machine (no AWS account).

  pnpm rehearse [--stage <stage> ...] [--keep]

--stage   stages to rehearse, in order (default: ${DEFAULT_STAGES.join(", ")})
--keep    stop before \`sst remove\` and leave the emulator running with the stages deployed`;

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

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: "string", multiple: true }, keep: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const stages = values.stage ?? [...DEFAULT_STAGES];
  const workDir = mkdtempSync(path.join(tmpdir(), "users-api-rehearsal-"));
  const started = Date.now();
  console.log(`Rehearsing ${stages.join(", ")} against the emulator (work directory ${workDir})`);
  let rehearsal: Rehearsal;
  try {
    rehearsal = await rehearse({ projectDir: process.cwd(), workDir, stages, keep: values.keep, report: (line) => console.log(line) });
  } catch (error) {
    if (!(error instanceof RehearsalFailed)) throw error;
    console.error(`\nRehearsal failed: ${error.message}\n\nFull log: ${path.join(workDir, "rehearsal.log")}; emulator log: ${path.join(workDir, "emulator.log")}`);
    return 1;
  }
  console.log(`\nRehearsal passed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${rehearsal.resourcesChecked} template resources checked in the emulator's service APIs.`);
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
