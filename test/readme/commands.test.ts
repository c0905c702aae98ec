import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { missingCredentialsMessage } from "@users-api/core/aws/credentials";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
const scripts = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const pnpm = execFileSync("sh", ["-c", "command -v pnpm"], { encoding: "utf8" }).trim();

/** Every `pnpm ...` command in the first cell of the README's tables, as written (placeholders and all). */
function tableCommands(): string[] {
  const cells = readme
    .split("\n")
    .filter((line) => line.startsWith("| `pnpm "))
    .map((line) => line.split(" | ")[0] ?? "");
  return cells.flatMap((cell) => [...cell.matchAll(/`(pnpm [^`]+)`/g)].map((match) => match[1] as string));
}

/** The script a `pnpm <name> ...` command runs (the first word after pnpm that is not a flag). */
const scriptOf = (command: string) =>
  command
    .split(/\s+/)
    .slice(1)
    .find((word) => !word.startsWith("-")) ?? "";

/** pnpm's own commands, from `pnpm help --all`: a script of the same name is shadowed by them. */
function pnpmBuiltIns(): Set<string> {
  const help = execFileSync(pnpm, ["help", "--all"], { encoding: "utf8" });
  const names = [...help.matchAll(/^\s{2,6}(?:([a-z-]+), )?([a-z][a-z-]*)\s{2,}/gm)].flatMap((match) => [match[1], match[2]]);
  // These run the package's script of that name.
  const runScripts = new Set(["run", "start", "test", "t", "install-test", "it"]);
  return new Set(names.filter((name): name is string => name !== undefined && !runScripts.has(name)));
}

const emptyHome = mkdtempSync(path.join(tmpdir(), "users-api-readme-home-"));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

/** The environment of a machine without AWS credentials: no AWS_* variables, a home without ~/.aws. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
  return { ...environment, HOME: emptyHome, AWS_REGION: "us-east-1", AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" };
}

function pnpmRun(args: readonly string[], env: NodeJS.ProcessEnv, timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(pnpm, ["-s", ...args], { cwd: repoRoot, env, timeout }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * How each command of the tables is run here. `aws`: needs an AWS account, so it is run without credentials and
 * must reach the app's script and stop at its credentials check. `help`: its own --help, here; the full run is
 * the named test's (a long or stateful run). `run`: run as written, here.
 */
type Plan = { aws: string[] } | { help: string } | { run: string[] } | { coveredBy: string };
const plans: Record<string, Plan> = {
  local: { coveredBy: "tools/local/test/cli/banner.test.ts" },
  test: { coveredBy: "tools/local/test/cli/prerequisites.test.ts" },
  keys: { aws: ["keys", "list", "--stage", "prod"] },
  // `pnpm test` runs it first.
  typecheck: { coveredBy: "package.json" },
  synth: { run: ["synth", "--stage", "dev", "--outdir", path.join(emptyHome, "cdk.out")] },
  "test:e2e": { help: "tools/local/test/e2e-runner.test.ts" },
  openapi: { run: ["openapi", "--out", path.join(emptyHome, "openapi.json")] },
  loadtest: { help: "tools/capacity/test/ops/loadtest-local.test.ts" },
  autoscaling: { help: "tools/capacity/test/ops/autoscaling-simulation.test.ts" },
  cost: { help: "tools/capacity/test/cost/model.test.ts" },
  migrate: { help: "packages/functions/test/users/idempotency-records.test.ts" },
  bench: { help: "tools/bench/README.md" },
  "docs:screenshot": { help: "tools/local/test/docs/api-reference.test.ts" },
  "docs:build": { help: "tools/local/test/docs/api-reference.test.ts" },
  "client:generate": { coveredBy: "packages/client/test/generated.test.ts" },
  rehearse: { help: "tools/rehearse/test/rehearsal.test.ts" },
  dev: { aws: ["dev"] },
  "deploy:stage": { aws: ["deploy:stage", "--stage", "prod"] },
  "remove:stage": { aws: ["remove:stage", "--stage", "pr-12"] },
  "account:check": { aws: ["account:check"] },
  "account:setup": { aws: ["account:setup"] },
};

const commands = tableCommands();

describe("the README's command tables", () => {
  it("list commands", () => {
    expect(commands.length).toBeGreaterThan(10);
  });

  it.each(commands)("%s runs a script of package.json, not one of pnpm's own commands", (command) => {
    const script = scriptOf(command);
    expect(Object.keys(scripts), `README's "${command}": package.json has no script "${script}"`).toContain(script);
    expect(pnpmBuiltIns().has(script), `README's "${command}": pnpm's own "${script}" command shadows the script`).toBe(false);
    expect(Object.keys(plans), `README's "${command}": say in this test how it is checked`).toContain(script);
  });

  it("names no script that pnpm's own commands shadow", () => {
    const builtIns = pnpmBuiltIns();
    expect(Object.keys(scripts).filter((name) => builtIns.has(name))).toEqual([]);
  });

  const planned = [...new Set(commands.map(scriptOf))].map((script) => [script, plans[script]] as const);

  it.each(planned.filter(([, plan]) => plan !== undefined && "aws" in plan))(
    "pnpm %s needs AWS: without credentials it reaches the app's script and says in one line what is missing",
    async (script, plan) => {
      const args = (plan as { aws: string[] }).aws;
      const started = Date.now();
      const result = await pnpmRun(args, withoutCredentials());

      expect(result.code).not.toBe(0);
      expect(result.stderr.trim()).toBe(missingCredentialsMessage(script === "keys" ? "pnpm keys --stage prod" : `pnpm ${script}`));
      expect(result.stdout).toBe("");
      // Before SST (which would ask for a stage name, then wait for STS).
      expect(Date.now() - started).toBeLessThan(30_000);
    },
  );

  it.each(["deploy:stage", "remove:stage", "dev"])(
    "pnpm %s with credentials gets past the check to the SST command (--dry-run stops there)",
    async (script) => {
      const result = await pnpmRun([script, "--stage", "pr-12", "--dry-run"], {
        ...withoutCredentials(),
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "example",
      });

      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe(`AWS credentials found (CREDENTIALS_ENV_VARS); would run: sst ${script.replace(/:stage$/, "")} --stage pr-12`);
      expect(result.code).toBe(0);
    },
  );

  it.each(planned.filter(([, plan]) => plan !== undefined && "help" in plan))("pnpm %s --help answers from the app's script", async (script, plan) => {
    const result = await pnpmRun([script, "--help"], withoutCredentials());

    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(`pnpm ${script}`);
    expect(result.code).toBe(0);
    const coveredBy = (plan as { help: string }).help;
    expect(() => readFileSync(path.join(repoRoot, coveredBy)), `the full run of pnpm ${script} is in ${coveredBy}`).not.toThrow();
  });

  it.each(planned.filter(([, plan]) => plan !== undefined && "run" in plan))(
    "pnpm %s runs as written, offline, with nothing on stderr",
    async (_, plan) => {
      const result = await pnpmRun((plan as { run: string[] }).run, withoutCredentials(), 240_000);

      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    },
    240_000,
  );

  it.each(planned.filter(([, plan]) => plan !== undefined && "coveredBy" in plan))("pnpm %s is run in full by its own test", (script, plan) => {
    const file = readFileSync(path.join(repoRoot, (plan as { coveredBy: string }).coveredBy), "utf8");
    expect(file).toMatch(new RegExp(`"${script}"|pnpm ${script}|\\["${script}"\\]`));
  });
});
