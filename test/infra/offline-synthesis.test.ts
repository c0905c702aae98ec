import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesizeBeforeAll, synthesized } from "./helpers/synthesis.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const stackNames = (stage: string) => ["Database", "Secrets", "Alerts", "Api", "Monitoring"].map((id) => `${stage}-users-api-${id}`);

/** One cfn-lint finding, as its JSON format reports it. */
interface LintFinding {
  readonly Level: "Error" | "Warning" | "Informational";
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
}

/** Lints every template in one cfn-lint run; cfn-lint exits non-zero on findings, so its JSON is read either way. */
async function cfnLint(templates: string[]): Promise<LintFinding[]> {
  const output = await run("cfn-lint", ["--format", "json", ...templates], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; code?: number }) => {
      // 2 errors, 4 warnings, 8 informational (a bit mask); anything else is cfn-lint failing.
      if (typeof error.code === "number" && error.code > 0 && error.code < 16 && error.stdout) return { stdout: error.stdout };
      throw error;
    },
  );
  return JSON.parse(output.stdout || "[]") as LintFinding[];
}

/** Everything that could reach AWS is removed from the environment, so a passing run proves synthesis is offline. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, SST_TELEMETRY_DISABLED: "1", AWS_EC2_METADATA_DISABLED: "true" };
  for (const name of Object.keys(environment)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete environment[name];
  }
  return environment;
}

describe("pnpm synth --stage prod", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), "users-api-pnpm-synth-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  let stdout = "";
  beforeAll(async () => {
    ({ stdout } = await run(path.join(root, "node_modules/.bin/tsx"), ["scripts/synth.ts", "--stage", "prod", "--outdir", outdir], {
      cwd: root,
      env: offlineEnvironment(),
      maxBuffer: 16 * 1024 * 1024,
    }));
  }, 600_000);

  it("is the package's synth script", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(scripts.synth).toBe("tsx scripts/synth.ts");
  });

  it("writes the template of every stack without AWS credentials or network", () => {
    for (const stackName of stackNames("prod")) {
      expect(stdout).toContain(stackName);
      expect(existsSync(path.join(outdir, `${stackName}.template.json`)), stackName).toBe(true);
    }
  });

  it("writes templates in which cfn-lint finds no error", async () => {
    const findings = await cfnLint(stackNames("prod").map((stackName) => path.join(outdir, `${stackName}.template.json`)));
    expect(findings.filter(({ Level }) => Level === "Error")).toEqual([]);
  }, 120_000);
});

describe("the dev templates", () => {
  synthesizeBeforeAll("dev", { bundle: true });

  it("have no error cfn-lint can find", async () => {
    const { stacks } = await synthesized("dev", { bundle: true });
    expect(stacks.map(({ stackName }) => stackName).sort()).toEqual(stackNames("dev").sort());
    const findings = await cfnLint(stacks.map(({ templatePath }) => templatePath));
    expect(findings.filter(({ Level }) => Level === "Error")).toEqual([]);
  }, 120_000);
});
