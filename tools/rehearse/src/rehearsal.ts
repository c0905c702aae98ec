import { randomBytes } from "node:crypto";
import { appendFileSync, createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DescribeStackEventsCommand, DescribeStacksCommand, ListStacksCommand } from "@aws-sdk/client-cloudformation";
import { ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { APP_NAME } from "@users-api/core/app";
import { authorizer, bindings, routeList, sstParameterPath } from "@users-api/core/api/routes";
import { ALERTS_EMAIL_VARIABLE } from "../../../stacks/Alerts.js";
import { readAssembly, type AssemblyStack } from "./checker/assembly.js";
import {
  deployedStacks,
  describeFindings,
  inspectCreationOrder,
  inspectDeployment,
  inspectRemoval,
  type Finding,
  type StackSnapshot,
} from "./checker/check.js";
import { lintDeployedTemplates } from "./checker/cfn-lint.js";
import { emulatorClients, type EmulatorClients } from "./checker/clients.js";
import type { DeployedResource } from "./checker/verifiers.js";
import { rehearsalEnvironment, startRehearsalEmulator, type RehearsalEmulator } from "./emulator.js";
import { iotEnvironment, startIotBroker, type IotBroker } from "./iot-broker.js";
import { checkServedStage, revoke } from "./served/served-stage.js";
import type { ServedApi } from "./served/served-api.js";
import { CommandFailed, run, sstBinary } from "./sst-cli.js";
import { copyWorkingTree } from "./workspace.js";

/** The stages rehearsed by default: a personal stage (development settings) and prod (its own settings). */
export const DEFAULT_STAGES = ["rehearsal", "prod"] as const;

/** The route whose handler the second deploy changes, as a code change would. */
export const CHANGED_ROUTE = routeList.find((route) => route.method === "GET" && route.path === "/users/{userId}") ?? routeList[0]!;

/** The on-call address the personal stage's second deploy adds (a new subscription and parameter). */
export const REHEARSAL_ALERTS_EMAIL = "on-call@example.com";

export interface RehearsalOptions {
  /** The project to rehearse (the repository root). */
  readonly projectDir: string;
  /** Where the working copy, logs and emulator output go. */
  readonly workDir: string;
  readonly stages?: readonly string[];
  /** Stop before `sst remove`, leaving the stages deployed. */
  readonly keep?: boolean;
  /** One line per step, as it happens. */
  readonly report?: (line: string) => void;
  /** Changes the working copy before anything is deployed (a test breaking the app on purpose). */
  readonly prepare?: (appDir: string) => void;
  /**
   * Keep the last stage serving after its update (no `sst remove` for it), with a full-access and a
   * read-only key made for it: `pnpm rehearse --serve`.
   */
  readonly serve?: boolean;
  /**
   * Skip the account's one-time set-up (`pnpm run account:setup`) and its check, deploying straight away on a
   * fresh account as `pnpm exec sst deploy` would (for the test that sees API Gateway refuse it).
   * Default: REHEARSAL_ACCOUNT_SETUP=skip in the environment.
   */
  readonly skipAccountSetup?: boolean;
}

/** A stage left serving by `serve`: its URL and the keys made for it. */
export interface ServedStage {
  readonly stage: string;
  readonly url: string;
  readonly apiKey: string;
  readonly readOnlyKey: string;
}

export interface StepTiming {
  readonly stage: string;
  readonly step: string;
  readonly durationMs: number;
}

export interface Rehearsal {
  readonly emulator: RehearsalEmulator;
  readonly broker: IotBroker;
  readonly appDir: string;
  readonly logFile: string;
  readonly timings: readonly StepTiming[];
  /** Template resources checked through their service's API, over all checks. */
  readonly resourcesChecked: number;
  /** The stage left serving (with `serve`). */
  readonly served?: ServedStage;
  /** Ends the served stage as the plain run ends a stage: its keys revoked, then `sst remove` and its checks. */
  finishServing(): Promise<void>;
  /** Stops the served stage (revoking its keys), the emulator and the broker. */
  stop(): Promise<void>;
}

export class RehearsalFailed extends Error {
  constructor(
    readonly stage: string,
    readonly step: string,
    detail: string,
  ) {
    super(`stage ${stage}, ${step}: ${detail}`);
  }
}

/**
 * Rehearses the deploy path against the extended moto_server, with the real SST CLI:
 * for each stage, `sst deploy` from nothing (bootstrap, bundling, asset upload, every stack), every
 * template resource checked in its service's API, `sst secrets set`, `pnpm keys`, a second deploy
 * with a code change (and, for the personal stage, a new setting), and `sst remove`, after which only
 * what the templates retain is left. Throws RehearsalFailed at the first step that does not hold.
 */
export async function rehearse(options: RehearsalOptions): Promise<Rehearsal> {
  const report = options.report ?? (() => {});
  const stages = options.stages ?? DEFAULT_STAGES;
  mkdirSync(options.workDir, { recursive: true });
  const logFile = path.join(options.workDir, "rehearsal.log");
  writeFileSync(logFile, "");
  const appDir = copyWorkingTree(options.projectDir, path.join(options.workDir, "app"));
  options.prepare?.(appDir);
  const emulatorLog = createWriteStream(path.join(options.workDir, "emulator.log"));
  const broker = await startIotBroker(options.workDir);
  const emulator = await startRehearsalEmulator({ logFile: emulatorLog, iotDataEndpoint: broker.dataEndpoint });
  const environment = iotEnvironment(broker, rehearsalEnvironment(emulator, options.workDir));
  const clients = emulatorClients(emulator);
  const timings: StepTiming[] = [];
  let resourcesChecked = 0;
  let serving: { served: ServedApi; stage: ServedStage; keyName: string } | undefined;
  let removeServed: (() => Promise<void>) | undefined;
  const stop = async () => {
    if (serving) {
      const { stage, keyName } = serving;
      await revoke({ pnpmKeys, stage: stage.stage }, keyName).catch((error: unknown) => report(`could not revoke the served stage's keys: ${String(error)}`));
      await serving.served.stop();
      serving = undefined;
    }
    clients.destroy();
    await Promise.all([emulator.stop(), broker.stop()]);
    emulatorLog.end();
  };

  const step = stepRunner({ logFile, timings, report });
  /** SST's CLI; when it fails, the failed resources and CloudFormation's reasons are added to its output. */
  const sst = (args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
    run(sstBinary(appDir), args, { cwd: appDir, env: { ...environment, ...extra }, logFile }).catch(async (error: unknown) => {
      const reasons = await failureReasons(clients).catch(() => []);
      if (error instanceof Error && reasons.length > 0) error.message += `\n\nCloudFormation reports:\n  ${reasons.join("\n  ")}`;
      throw error;
    });
  const { pnpmKeys, pnpmE2e } = projectCommands(appDir, environment, logFile);
  /** The stage as AWS would run it, served from the emulator's state; the portable suite against it. */
  const serveStage = async (stage: string, keep: boolean) => {
    const check = {
      stage,
      apiStackName: `${stage}-${APP_NAME}-Api`,
      clients,
      emulator,
      workDir: path.join(options.workDir, "served", stage),
      appDir,
      pnpmKeys,
      pnpmE2e,
    };
    // A ServedStageFailed lists one line per fault; the step names the stage and the step.
    const result = await checkServedStage(check, keep);
    if (keep && result.keys) {
      serving = {
        served: result.served,
        keyName: result.keys.name,
        stage: { stage, url: result.served.url, apiKey: result.keys.apiKey, readOnlyKey: result.keys.readOnlyKey },
      };
    }
    appendFileSync(logFile, `served ${stage}: the portable suite took ${result.e2eSeconds.toFixed(1)} s\n`);
  };
  const pnpmRun = (script: string) => run("pnpm", ["-s", "run", script], { cwd: appDir, env: environment, logFile });
  const fail = (stage: string, name: string, findings: readonly Finding[]) => {
    if (findings.length > 0) throw new RehearsalFailed(stage, name, `\n  ${describeFindings(findings).join("\n  ")}`);
  };
  const inspect = async (stage: string, name: string, stacks: readonly AssemblyStack[]) => {
    const inspection = await inspectDeployment(stacks, clients, emulator.region);
    fail(stage, name, inspection.findings);
    resourcesChecked += inspection.checked;
    return inspection.snapshots;
  };

  /** CloudFormation's validation of property values, which the emulator lacks: cfn-lint on the deployed templates. */
  const checkLint = async (stacks: readonly AssemblyStack[]) => {
    const errors = await lintDeployedTemplates(
      stacks.map(({ stackName }) => stackName),
      clients,
    );
    if (errors.length > 0) throw new Error(`cfn-lint finds what CloudFormation would refuse in the deployed templates:\n  ${errors.join("\n  ")}`);
  };

  try {
    if (!(options.skipAccountSetup ?? process.env.REHEARSAL_ACCOUNT_SETUP === "skip")) {
      await step("account", "one-time set-up of a fresh account (API Gateway's CloudWatch Logs role)", () => rehearseAccountSetUp(pnpmRun));
    }
    for (const stage of stages) {
      revertHandler(appDir, options.projectDir);
      const assembly = () => readAssembly(path.join(appDir, ".sst", "dist")).filter((stack) => stack.stackName.startsWith(`${stage}-${APP_NAME}-`));

      const firstDeploy = await step(stage, "sst deploy (from nothing: bootstrap, bundling, asset upload, every stack)", () =>
        sst(["deploy", "--stage", stage]),
      );
      const deployed = await step(stage, "every template resource is in its service's API, cfn-lint finds no error", async () => {
        const stacks = assembly();
        if (stacks.length !== 5) throw new Error(`expected the five stacks of sst.config.ts, the assembly has ${stacks.map((s) => s.stackName).join(", ")}`);
        fail(stage, "stacks created in dependency order", await inspectCreationOrder(stacks, clients));
        await checkBootstrap(clients);
        await inspect(stage, "bootstrap stacks check", await deployedStacks(BOOTSTRAP_STACKS, clients));
        await checkLint(stacks);
        const snapshots = await inspect(stage, "template check", stacks);
        checkOutputsPrinted(snapshots, stacks, firstDeploy.output, readFileSync(path.join(appDir, ".sst", "outputs.json"), "utf8"));
        return snapshots;
      });

      await step(stage, "sst secrets set CURSOR_SECRET", async () => {
        const value = randomBytes(36).toString("base64url");
        const before = broker.messages.length;
        await sst(["secrets", "set", bindings.cursorSecret.id, value, "--stage", stage]);
        const name = sstParameterPath(APP_NAME, stage, bindings.cursorSecret);
        const { Parameter } = await clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        if (Parameter?.Value !== value || Parameter.Type !== "SecureString") throw new Error(`SSM ${name} does not hold the new value as a SecureString`);
        const event = broker.messages
          .slice(before)
          .find((message) => message.topic === `/sst/${APP_NAME}/${stage}/events` && message.payload.includes("config.secret.updated"));
        if (!event) throw new Error("SST published no config.secret.updated event for `sst dev` sessions");
        await checkFunctionsReloaded(stage, deployed, clients);
      });

      // After the secret is set: until then a function bound to it cannot start on AWS either.
      await step(
        stage,
        "the deployed stage serves: its API from the emulator, its functions from their code, under their roles; the portable suite passes",
        () => serveStage(stage, false),
      );

      await step(stage, "pnpm keys create, list, revoke", () => rehearseKeys(stage, pnpmKeys, clients));

      const changed = await step(stage, "second deploy with a change is an update", async () => {
        changeHandler(appDir);
        const extra = stage === "prod" ? {} : { [ALERTS_EMAIL_VARIABLE]: REHEARSAL_ALERTS_EMAIL };
        await sst(["deploy", "--stage", stage], extra);
        const stacks = assembly();
        await checkLint(stacks);
        const snapshots = await inspect(stage, "template check after the update", stacks);
        await checkUpdate(stage, deployed, snapshots, clients);
        return snapshots;
      });

      const keepServing = options.serve === true && stage === stages.at(-1);
      await step(stage, "the updated stage serves and the portable suite passes", () => serveStage(stage, keepServing));

      const remove = () =>
        step(stage, "sst remove leaves only what the templates retain", async () => {
          await sst(["remove", "--stage", stage]);
          fail(stage, "after sst remove", await inspectRemoval(changed, clients));
        });
      if (keepServing) removeServed = remove;
      if (options.keep || keepServing) continue;
      await remove();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const finishServing = async () => {
    if (!serving) return;
    const { stage, keyName } = serving;
    await revoke({ pnpmKeys, stage: stage.stage }, keyName);
    await serving.served.stop();
    serving = undefined;
    await removeServed?.();
  };
  return { emulator, broker, appDir, logFile, timings, resourcesChecked, served: serving?.stage, finishServing, stop };
}

/**
 * The emulator starts as a fresh account: `pnpm run account:check` (which `pnpm deploy:stage` runs first) names the
 * missing logging role in one line and exits 1; `pnpm run account:setup` sets it; then the check passes.
 */
async function rehearseAccountSetUp(pnpmRun: (script: string) => Promise<{ output: string }>) {
  const refused = await pnpmRun("account:check").then(
    (result) => result.output,
    (error: unknown) => (error instanceof CommandFailed ? { failed: error.result.output } : Promise.reject(error)),
  );
  if (typeof refused === "string" || !refused.failed.includes("API Gateway has no CloudWatch Logs role")) {
    throw new Error(
      `on a fresh account, \`pnpm run account:check\` did not name the missing API Gateway logging role:\n${typeof refused === "string" ? refused : refused.failed}`,
    );
  }
  await pnpmRun("account:setup");
  await pnpmRun("account:check");
  const again = await pnpmRun("account:setup");
  if (!again.output.includes("already set")) throw new Error(`a second \`pnpm run account:setup\` did not leave the role as it was:\n${again.output}`);
}

/** Every failed resource of every stack the emulator knows, with CloudFormation's reason. */
async function failureReasons(clients: EmulatorClients): Promise<string[]> {
  const { StackSummaries = [] } = await clients.cloudFormation.send(new ListStacksCommand({}));
  const reasons: string[] = [];
  for (const summary of StackSummaries.filter((candidate) => /FAILED|ROLLBACK/.test(String(candidate.StackStatus)))) {
    const { StackEvents = [] } = await clients.cloudFormation.send(new DescribeStackEventsCommand({ StackName: summary.StackId }));
    for (const event of StackEvents) {
      if (!event.ResourceStatus?.endsWith("_FAILED") || event.LogicalResourceId === summary.StackName) continue;
      reasons.push(`${summary.StackName} ${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}: ${event.ResourceStatusReason}`);
    }
  }
  return reasons;
}

/** The bootstrap stacks `sst deploy` creates: CDK's (through `npx cdk bootstrap`) and SST's own. */
const BOOTSTRAP_STACKS = ["CDKToolkit", "SSTBootstrap"] as const;

/** The bootstrap stacks are complete and have the outputs SST looks them up by. */
async function checkBootstrap(clients: EmulatorClients) {
  for (const [stackName, outputs] of [
    ["CDKToolkit", ["BucketName", "BootstrapVersion"]],
    ["SSTBootstrap", ["BucketName", "Version"]],
  ] as const) {
    const stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (stack?.StackStatus !== "CREATE_COMPLETE" && stack?.StackStatus !== "UPDATE_COMPLETE")
      throw new Error(`${stackName} is ${stack?.StackStatus ?? "missing"}`);
    for (const key of outputs) {
      if (!stack.Outputs?.some((output) => output.OutputKey === key && output.OutputValue)) throw new Error(`${stackName} has no ${key} output`);
    }
  }
}

/** `sst deploy` printed every stack output and wrote it to .sst/outputs.json, with CloudFormation's values. */
function checkOutputsPrinted(snapshots: readonly StackSnapshot[], stacks: readonly AssemblyStack[], printed: string, outputsFile: string) {
  const written = JSON.parse(outputsFile) as Record<string, Record<string, string>>;
  for (const { stackName, template } of stacks) {
    const snapshot = snapshots.find((candidate) => candidate.stackName === stackName);
    // SST leaves out the cross-stack exports and its own metadata.
    for (const key of Object.keys(template.Outputs ?? {}).filter((name) => !name.startsWith("Export") && name !== "SSTMetadata")) {
      const value = snapshot?.outputs[key];
      if (value === undefined) throw new Error(`${stackName} has no output ${key}`);
      if (written[stackName]?.[key] !== value)
        throw new Error(`.sst/outputs.json has ${key}=${written[stackName]?.[key]} for ${stackName}, CloudFormation ${value}`);
      if (!printed.includes(`${key}: ${value}`)) throw new Error(`sst deploy did not print ${key}: ${value}`);
    }
  }
}

/**
 * `sst secrets set` reloaded exactly the functions bound to the secret (found through the stack metadata
 * SST's bootstrap function keeps in its bucket): each got a new SST_ADMIN_SECRET_UPDATED_AT.
 */
async function checkFunctionsReloaded(stage: string, snapshots: readonly StackSnapshot[], clients: EmulatorClients) {
  for (const definition of [...routeList, authorizer]) {
    const { fn } = aliasOf(snapshots, definition.id);
    const { Environment } = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.physicalId }));
    const reloaded = Environment?.Variables?.[SECRET_UPDATED_AT] !== undefined;
    const bound = (definition.bind as readonly string[]).includes("cursorSecret");
    if (bound && !reloaded) throw new Error(`${definition.id} is bound to ${bindings.cursorSecret.id} but was not reloaded (stage ${stage})`);
    if (!bound && reloaded) throw new Error(`${definition.id} is not bound to ${bindings.cursorSecret.id} but was reloaded (stage ${stage})`);
  }
}

/** The variable `sst secrets set` sets on each function it reloads (sst/config.js). */
const SECRET_UPDATED_AT = "SST_ADMIN_SECRET_UPDATED_AT";

/** `pnpm keys` against the stage: it finds the secret through SST's parameter and stores only hashes. */
async function rehearseKeys(stage: string, pnpmKeys: (args: readonly string[]) => Promise<{ output: string; stdout: string }>, clients: EmulatorClients) {
  const name = "rehearsal-client";
  const created = await pnpmKeys(["create", "--stage", stage, "--name", name, "--scopes", "users:read,users:write"]);
  // The key is the last line the command prints, shown once.
  const key = created.stdout.trim().split("\n").at(-1)?.trim();
  if (!key || key.includes(" ")) throw new Error(`pnpm keys create printed no key:\n${created.output}`);
  const listed = await pnpmKeys(["list", "--stage", stage]);
  if (!listed.output.includes(`${name}\tusers:read,users:write`)) throw new Error(`pnpm keys list does not show ${name}:\n${listed.output}`);
  const { Parameter } = await clients.ssm.send(new GetParameterCommand({ Name: sstParameterPath(APP_NAME, stage, bindings.apiKeysSecretArn) }));
  const { SecretString = "" } = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: Parameter?.Value }));
  if (!SecretString.includes(name)) throw new Error("the stage's API-keys secret does not hold the new key's record");
  if (SecretString.includes(key)) throw new Error("the stage's API-keys secret holds the key itself, not its hash");
  await pnpmKeys(["revoke", "--stage", stage, "--name", name]);
  const after = await pnpmKeys(["list", "--stage", stage]);
  if (!after.output.includes(`No keys on stage ${stage}.`)) throw new Error(`the key is still listed after revoke:\n${after.output}`);
}

/** The source file of the changed route's handler (`packages/functions/src/users/get.handler` → `.ts`). */
const changedHandlerFile = (dir: string) => path.join(dir, `${CHANGED_ROUTE.handler.replace(/\.[^./]+$/, "")}.ts`);

/** A change to one handler's code, as a commit would make it: its bundle, and so its version, differ. */
function changeHandler(appDir: string) {
  appendFileSync(changedHandlerFile(appDir), `\n/** Added by the deploy rehearsal's second deploy. */\nexport const rehearsalRevision = "${Date.now()}";\n`);
}

function revertHandler(appDir: string, projectDir: string) {
  writeFileSync(changedHandlerFile(appDir), readFileSync(changedHandlerFile(projectDir)));
}

const aliasOf = (snapshots: readonly StackSnapshot[], functionId: string): { fn: DeployedResource; alias: DeployedResource } => {
  const resources = snapshots.flatMap((snapshot) => snapshot.resources);
  const fn = resources.find((resource) => resource.type === "AWS::Lambda::Function" && new RegExp(`^${functionId}[0-9A-F]{8}$`).test(resource.logicalId));
  const alias = resources.find((resource) => resource.type === "AWS::Lambda::Alias" && fn && resource.properties.FunctionName === fn.physicalId);
  if (!fn || !alias) throw new Error(`no function and live alias for ${functionId}`);
  return { fn, alias };
};

/**
 * The update did what CloudFormation does with a code change: a new version of the changed function
 * only, its alias moved to it, the previous version kept; with a CodeDeploy deployment group (prod), the
 * alias moved through a CodeDeploy deployment of that group.
 */
async function checkUpdate(stage: string, before: readonly StackSnapshot[], after: readonly StackSnapshot[], clients: EmulatorClients) {
  const api = after.find((snapshot) => snapshot.stackName === `${stage}-${APP_NAME}-Api`);
  if (api?.status !== "UPDATE_COMPLETE") throw new Error(`the Api stack is ${api?.status}, not UPDATE_COMPLETE`);
  for (const definition of [...routeList, authorizer]) {
    const previous = aliasOf(before, definition.id);
    const current = aliasOf(after, definition.id);
    const moved = previous.alias.properties.FunctionVersion !== current.alias.properties.FunctionVersion;
    if (definition.id === CHANGED_ROUTE.id && !moved)
      throw new Error(`${definition.id} changed, but its live alias still serves version ${previous.alias.properties.FunctionVersion}`);
    if (definition.id !== CHANGED_ROUTE.id && moved) throw new Error(`${definition.id} did not change, but its live alias moved to a new version`);
    if (!moved) continue;
    await clients.lambda
      .send(new GetFunctionConfigurationCommand({ FunctionName: current.fn.physicalId, Qualifier: String(previous.alias.properties.FunctionVersion) }))
      .catch(() => {
        throw new Error(`the previous version ${previous.alias.properties.FunctionVersion} of ${definition.id} was not kept`);
      });
    const update = current.alias.properties as { FunctionName: string };
    const group = after
      .flatMap((snapshot) => snapshot.resources)
      .find((resource) => resource.type === "AWS::CodeDeploy::DeploymentGroup" && resource.logicalId.startsWith(`${definition.id}Deployment`));
    if (!group) continue;
    const { deployments = [] } = await clients.codeDeploy.send(
      new ListDeploymentsCommand({ applicationName: String(group.properties.ApplicationName), deploymentGroupName: group.physicalId }),
    );
    if (deployments.length !== 1)
      throw new Error(`${definition.id}'s alias (${update.FunctionName}) moved without exactly one CodeDeploy deployment of ${group.physicalId}`);
  }
}

/**
 * Runs one named step of a stage: logged, timed, reported with ✔ or ✘; a failure becomes RehearsalFailed
 * naming the stage, the step and the cause.
 */
export function stepRunner(options: { logFile: string; timings: StepTiming[]; report: (line: string) => void }) {
  return async <T>(stage: string, name: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    appendFileSync(options.logFile, `\n=== ${stage}: ${name}\n`);
    try {
      const result = await action();
      const durationMs = Date.now() - started;
      options.timings.push({ stage, step: name, durationMs });
      options.report(`✔ ${stage}: ${name} (${(durationMs / 1000).toFixed(1)} s)`);
      return result;
    } catch (error) {
      options.report(`✘ ${stage}: ${name}`);
      if (error instanceof RehearsalFailed) throw error;
      throw new RehearsalFailed(stage, name, error instanceof Error ? error.message : String(error));
    }
  };
}

/** `pnpm -s keys ...` and `pnpm -s test:e2e ...` (the portable suite) in the deployed copy, against the emulator. */
export function projectCommands(appDir: string, environment: NodeJS.ProcessEnv, logFile: string) {
  return {
    pnpmKeys: (args: readonly string[]) => run("pnpm", ["-s", "keys", ...args], { cwd: appDir, env: environment, logFile }),
    pnpmE2e: (args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
      run("pnpm", ["-s", "test:e2e", ...args], { cwd: appDir, env: { ...environment, ...extra }, logFile }),
  };
}
