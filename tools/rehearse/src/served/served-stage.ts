import path from "node:path";
import { authorizer, routeList } from "@users-api/core/api/routes";
import { failedTests, jsonReportArguments, readJsonReport } from "@users-api/local/e2e/report";
import type { EmulatorClients } from "../checker/clients.js";
import type { EmulatorAccess } from "../checker/clients.js";
import { splitFunctionArn } from "./deployed-functions.js";
import { serveDeployedApi, type ServedApi } from "./served-api.js";

/** A command's output, as the rehearsal's `run` gives it. */
type Command = (args: readonly string[], env?: NodeJS.ProcessEnv) => Promise<{ output: string; stdout: string }>;

export interface ServedStageCheck {
  readonly stage: string;
  readonly apiStackName: string;
  readonly clients: EmulatorClients;
  readonly emulator: EmulatorAccess;
  readonly workDir: string;
  /** The deployed copy of the app, where the commands run (the suite's report names its files from there). */
  readonly appDir: string;
  /** `pnpm -s keys ...` in the deployed copy, against the emulator. */
  readonly pnpmKeys: Command;
  /** `pnpm -s test:e2e ...` in the deployed copy (the portable suite against a URL). */
  readonly pnpmE2e: Command;
  /** Added to every function's variables (see DeployedFunctionsOptions.runtimeEnvironment). */
  readonly runtimeEnvironment?: Readonly<Record<string, string>>;
  /**
   * Runs with the full-access key before the suite; what the stage answers meanwhile is not judged (the suite
   * that follows is). `sst dev` uses it to have each handler built first, see dev-rehearsal.ts.
   */
  readonly beforeSuite?: (served: ServedApi, apiKey: string) => Promise<void>;
}

/** The one-line findings of a served stage: each names the route, function or resource and the cause. */
export class ServedStageFailed extends Error {
  constructor(readonly lines: readonly string[]) {
    super(`\n  ${lines.join("\n  ")}`);
  }
}

/** The deployed function a route's integration names, as its logical id gives it (`<stage>-<app>-Api-<FunctionId><hash>-<suffix>`). */
const functionIdOf = (functionArn: string) => /-Api-([A-Za-z]+?)[0-9A-F]{8}-[A-Za-z0-9]+$/.exec(splitFunctionArn(functionArn).functionName)?.[1];

/**
 * What the route table expects of the deployed API, checked in what the emulator holds: every route is a
 * method of the deployed API, guarded by the authorizer, and integrated with its own function.
 */
function wiringFindings(served: ServedApi): string[] {
  const findings: string[] = [];
  for (const route of routeList) {
    const name = `${route.method} ${route.path}`;
    const deployed = served.api.routes.find((candidate) => candidate.method === route.method && candidate.path === route.path);
    if (!deployed) {
      findings.push(`route ${name}: the deployed API has no such method`);
      continue;
    }
    const integrated = functionIdOf(deployed.functionArn);
    if (integrated !== route.id)
      findings.push(`route ${name}: integrated with ${integrated ?? deployed.functionArn}'s function, the route table gives it ${route.id}`);
    const guard = deployed.authorizerId ? served.api.authorizers.get(deployed.authorizerId) : undefined;
    if (deployed.authorizationType !== "CUSTOM" || !guard) {
      findings.push(`route ${name}: the deployed method has no authorizer (AuthorizationType ${deployed.authorizationType}): it answers without an API key`);
    } else if (functionIdOf(guard.functionArn) !== authorizer.id) {
      findings.push(`route ${name}: its authorizer invokes ${guard.functionArn}, not the ${authorizer.id} function`);
    }
  }
  return findings;
}

/** The rehearsal's keys for one suite run: the last line `pnpm keys create` prints. */
async function createKey(pnpmKeys: Command, stage: string, name: string, scopes: string) {
  const { stdout, output } = await pnpmKeys(["create", "--stage", stage, "--name", name, "--scopes", scopes]);
  const key = stdout.trim().split("\n").at(-1)?.trim();
  if (!key || key.includes(" ")) throw new Error(`pnpm keys create printed no key:\n${output}`);
  return key;
}

/** A served request without a key on every route: API Gateway must answer 401 before any function runs. */
async function keylessFindings(served: ServedApi): Promise<string[]> {
  const findings: string[] = [];
  for (const route of served.api.routes) {
    const url = `${served.url}${route.path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000")}`;
    const response = await fetch(url, {
      method: route.method,
      headers: { "content-type": "application/json" },
      body: ["GET", "DELETE"].includes(route.method) ? undefined : "{}",
    });
    await response.arrayBuffer();
    if (response.status !== 401) findings.push(`route ${route.method} ${route.path}: answered ${response.status} to a request without an API key, not 401`);
  }
  return findings;
}

/**
 * The stage as AWS would run it: the deployed API served from the emulator's state, its functions run from
 * their uploaded code under their deployed roles; the route table's expectations checked in the deployed
 * API, a keyless request on every route, then the portable end-to-end suite with keys made by `pnpm keys`
 * (revoked after). Throws ServedStageFailed with one line per fault: the route, function or resource and
 * what went wrong. Resolves to the served API, still serving, when `keepServing` is set; else stops it.
 */
export async function checkServedStage(
  check: ServedStageCheck,
  keepServing = false,
): Promise<{ served: ServedApi; keys?: { name: string; apiKey: string; readOnlyKey: string }; e2eSeconds: number }> {
  const served = await serveDeployedApi({
    clients: check.clients,
    emulator: check.emulator,
    apiStackName: check.apiStackName,
    workDir: path.join(check.workDir, "served"),
    runtimeEnvironment: check.runtimeEnvironment,
  });
  const keyName = `rehearsal-e2e-${Date.now()}`;
  let keysMade = false;
  try {
    const findings = [...wiringFindings(served), ...(await keylessFindings(served))];
    keysMade = true;
    const apiKey = await createKey(check.pnpmKeys, check.stage, `${keyName}-write`, "users:read,users:write");
    const readOnlyKey = await createKey(check.pnpmKeys, check.stage, `${keyName}-read`, "users:read");
    await check.beforeSuite?.(served, apiKey);
    const faultsBeforeSuite = served.faults().length;
    const started = Date.now();
    const reportFile = path.join(check.workDir, `e2e-report-${Date.now()}.json`);
    const suite = await check
      .pnpmE2e(["--url", served.url, "--", ...jsonReportArguments(reportFile)], {
        E2E_API_KEY: apiKey,
        E2E_READ_ONLY_KEY: readOnlyKey,
      })
      .then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    const e2eSeconds = (Date.now() - started) / 1000;
    findings.push(
      ...served
        .faults()
        .slice(faultsBeforeSuite)
        .map((fault) => `${fault.subject}: ${fault.cause}`),
    );
    if (suite !== undefined && findings.length === 0) {
      const report = readJsonReport(reportFile);
      const failed = report ? failedTests(report, check.appDir) : [];
      findings.push(`the portable end-to-end suite failed against the served stage: ${failed.join("; ") || suite.split("\n").slice(-5).join(" ")}`);
    }
    if (findings.length > 0) throw new ServedStageFailed(findings);
    if (keepServing) {
      keysMade = false;
      return { served, keys: { name: keyName, apiKey, readOnlyKey }, e2eSeconds };
    }
    await revoke(check, keyName);
    keysMade = false;
    await served.stop();
    return { served, e2eSeconds };
  } catch (error) {
    // Best effort: a key that was never made has nothing to revoke.
    if (keysMade) await revoke(check, keyName).catch(() => undefined);
    await served.stop();
    throw error;
  }
}

/** Revokes both keys of a run (a key never made is skipped). */
export async function revoke(check: Pick<ServedStageCheck, "pnpmKeys" | "stage">, keyName: string) {
  for (const suffix of ["write", "read"]) {
    await check.pnpmKeys(["revoke", "--stage", check.stage, "--name", `${keyName}-${suffix}`]);
  }
}
