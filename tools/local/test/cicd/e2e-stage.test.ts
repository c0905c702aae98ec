import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPnpmLocal, type PnpmLocal } from "../../src/docs/pnpm-local.js";
import { freePort } from "@users-api/emulators/child-process";
import { loadCompositeAction, repoRoot, type Step } from "../../../../test/cicd/helpers/github-files.js";
import { runBashStep, type ShellResult } from "../../../../test/cicd/helpers/shell.js";

const action = await loadCompositeAction("e2e-stage");

interface StepRun extends ShellResult {
  readonly name: string;
  readonly skipped: boolean;
}

/**
 * Runs the composite action's steps as the runner would, far enough for these steps: `${{ inputs.* }}` and
 * `${{ steps.*.outputs.* }}` in `env`, `$GITHUB_OUTPUT` per step, and `if:` made of `always()` and
 * `steps.<id>.outputs.<name> != ''`. A step runs when every step before it succeeded, unless its `if` says always().
 */
async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string>,
): Promise<{ runs: StepRun[]; outputs: Record<string, Record<string, string>> }> {
  const work = await mkdtemp(path.join(tmpdir(), "e2e-stage-"));
  const outputs: Record<string, Record<string, string>> = {};
  const expression = (text: string) =>
    text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => {
      const input = /^inputs\.(\w+)$/.exec(name);
      if (input) return inputs[input[1] ?? ""] ?? "";
      const output = /^steps\.([\w-]+)\.outputs\.(\w+)$/.exec(name);
      if (output) return outputs[output[1] ?? ""]?.[output[2] ?? ""] ?? "";
      throw new Error(`expression ${name} is not modelled by this test`);
    });
  const condition = (step: Step, failed: boolean) => {
    const text = String((step as { if?: string }).if ?? "success()");
    return (
      text.split("&&").every((term) => {
        const part = term.trim();
        if (part === "always()") return true;
        if (part === "success()") return !failed;
        const compared = /^steps\.([\w-]+)\.outputs\.(\w+) != ''$/.exec(part);
        if (compared) return (outputs[compared[1] ?? ""]?.[compared[2] ?? ""] ?? "") !== "";
        throw new Error(`condition ${part} is not modelled by this test`);
      }) &&
      (text.includes("always()") || !failed)
    );
  };
  const runs: StepRun[] = [];
  let failed = false;
  try {
    for (const [index, step] of action.runs.steps.entries()) {
      const name = step.name ?? `step ${index}`;
      if (!condition(step, failed)) {
        runs.push({ name, skipped: true, status: null, stdout: "", stderr: "" });
        continue;
      }
      const githubOutput = path.join(work, `output-${index}`);
      await writeFile(githubOutput, "");
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expression(String(value))]));
      const result = await runBashStep(step.run ?? "", { cwd: repoRoot, env: { ...env, ...stepEnv, GITHUB_OUTPUT: githubOutput } });
      runs.push({ name, skipped: false, ...result });
      if (step.id) {
        const lines = (await readFile(githubOutput, "utf8")).split("\n").filter(Boolean);
        outputs[step.id] = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
      }
      failed ||= result.status !== 0;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { runs, outputs };
}

/** The real `pnpm` and the real `pnpm keys`, with `pnpm test:e2e` standing in for a suite that fails. */
async function pnpmWithFailingSuite(dir: string) {
  const realPnpm = execFileSync("bash", ["-c", "command -v pnpm"], { encoding: "utf8" }).trim();
  const wrapper = path.join(dir, "pnpm");
  await writeFile(wrapper, `#!/usr/bin/env bash\nif [ "$1" = test:e2e ]; then echo "the suite failed" >&2; exit 1; fi\nexec ${realPnpm} "$@"\n`);
  await chmod(wrapper, 0o755);
}

/** The e2e-stage action's scripts for real: `pnpm keys` and `pnpm test:e2e` against a running `pnpm local`. */
describe("the e2e-stage action", () => {
  let dataDir: string;
  let local: PnpmLocal | undefined;
  let env: Record<string, string>;
  const keyNames = async () =>
    execFileSync("pnpm", ["--silent", "keys", "list", "--stage", "local"], { cwd: repoRoot, env: { ...process.env, ...env }, encoding: "utf8" })
      .split("\n")
      .map((line) => line.split("\t")[0] ?? "");
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "e2e-stage-local-"));
    local = await startPnpmLocal({ dataDir, port: await freePort() });
    env = {
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      USERS_API_LOCAL_DIR: dataDir,
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "1",
    };
  }, 240_000);
  afterAll(async () => {
    await local?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("makes a read-only key, masks it, runs the smoke suite with it, and revokes it", async () => {
    const { runs, outputs } = await runAction({ stage: "local", url: local?.url ?? "", suite: "smoke" }, env);

    expect(runs.map(({ name, status, skipped }) => ({ name, status, skipped }))).toEqual(
      action.runs.steps.map((step) => ({ name: step.name, status: 0, skipped: false })),
    );
    const { name, read_only: readOnly, full } = outputs.keys ?? {};
    expect(name).toBe("e2e-4242-1");
    expect(readOnly).toMatch(/^uak_/);
    expect(full).toBeUndefined();
    expect(runs[0]?.stdout).toContain(`::add-mask::${readOnly}`);
    expect(runs[2]?.stdout + (runs[2]?.stderr ?? "")).toMatch(/Tests\s+\d+ passed/);
    expect(await keyNames()).not.toContain("e2e-4242-1-read");
  }, 240_000);

  it("revokes both keys of a portable run even when the suite fails", async () => {
    const bin = await mkdtemp(path.join(tmpdir(), "e2e-stage-bin-"));
    await pnpmWithFailingSuite(bin);
    const failing = { ...env, PATH: `${bin}:${process.env.PATH ?? ""}`, GITHUB_RUN_ID: "4343" };

    const { runs, outputs } = await runAction({ stage: "local", url: local?.url ?? "", suite: "portable" }, failing);

    await rm(bin, { recursive: true, force: true });
    expect(runs.map(({ status, skipped }) => (skipped ? "skipped" : status))).toEqual([0, 0, 1, 0]);
    expect(outputs.keys?.full).toMatch(/^uak_/);
    expect(runs[0]?.stdout).toContain(`::add-mask::${outputs.keys?.full}`);
    const names = await keyNames();
    expect(names).not.toContain("e2e-4343-1-read");
    expect(names).not.toContain("e2e-4343-1-write");
  }, 240_000);

  it("refuses a suite it does not know before making any key", async () => {
    const { runs } = await runAction({ stage: "local", url: local?.url ?? "", suite: "everything" }, { ...env, GITHUB_RUN_ID: "4444" });

    expect(runs.map(({ status, skipped }) => (skipped ? "skipped" : status))).toEqual([1, "skipped", "skipped", "skipped"]);
    expect(runs[0]?.stdout).toContain("::error::suite must be portable or smoke");
    expect((await keyNames()).filter((name) => name.startsWith("e2e-4444"))).toEqual([]);
  }, 60_000);
});
