import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./helpers/local-api.js";
import { UsageError } from "@users-api/cli";
import { parseE2eArgs } from "../src/e2e/args.js";
import { failedTests, jsonReportArguments, readJsonReport } from "../src/e2e/report.js";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

/** `pnpm test:e2e ...` as CI runs it, with only the given E2E_* variables. */
function runE2e(args: readonly string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("E2E_") && !name.startsWith("VITEST")));
  return new Promise((resolve) => {
    execFile(
      tsx,
      ["tools/local/src/e2e/cli.ts", ...args],
      { cwd: repositoryRoot, env: { ...inherited, NO_COLOR: "1", ...env }, timeout: 240_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: stdout + stderr });
      },
    );
  });
}

/** vitest's summary line, e.g. "Tests  7 passed (7)". */
const passedTests = (output: string) => Number(/Tests\s+(\d+) passed/.exec(output)?.[1] ?? 0);

describe("pnpm test:e2e arguments", () => {
  const url = "https://abc123.execute-api.us-east-1.amazonaws.com/pr-12";

  it("runs every suite locally when no URL is given", () => {
    expect(parseE2eArgs([], {})).toEqual({
      suites: ["portable", "local-only", "smoke"],
      vitestArgs: [],
      environment: { E2E_SUITES: "portable,local-only,smoke" },
    });
  });

  it("runs the portable suite against a URL with both keys, from options or the environment", () => {
    const expected = { E2E_SUITES: "portable", E2E_BASE_URL: url, E2E_API_KEY: "full", E2E_READ_ONLY_KEY: "reader" };
    expect(parseE2eArgs(["--url", url, "--key", "full", "--read-only-key", "reader"], {})?.environment).toEqual(expected);
    expect(parseE2eArgs([], { E2E_BASE_URL: url, E2E_API_KEY: "full", E2E_READ_ONLY_KEY: "reader" })?.environment).toEqual(expected);
  });

  it("keeps any key that can write away from the smoke suite", () => {
    const run = parseE2eArgs(["--url", url, "--smoke"], { E2E_API_KEY: "full", E2E_READ_ONLY_KEY: "reader" });
    expect(run?.suites).toEqual(["smoke"]);
    expect(run?.environment).toEqual({ E2E_SUITES: "smoke", E2E_BASE_URL: url, E2E_READ_ONLY_KEY: "reader", E2E_API_KEY: "" });
  });

  it("hands what follows -- to vitest", () => {
    expect(parseE2eArgs(["--url", url, "--smoke", "--", "read-only", "--reporter=dot"], { E2E_READ_ONLY_KEY: "r" })?.vitestArgs).toEqual([
      "read-only",
      "--reporter=dot",
    ]);
  });

  it.each([
    ["a URL without the read-only key", ["--url", url, "--key", "full"]],
    ["the portable suite without the full key", ["--url", url, "--read-only-key", "reader"]],
    ["a URL that is not http(s)", ["--url", "ftp://example.com", "--key", "k", "--read-only-key", "r"]],
    ["an unknown option", ["--stage", "prod"]],
  ])("refuses %s", (_, args) => {
    expect(() => parseE2eArgs(args, {})).toThrow(UsageError);
  });
});

/** The suites against an API they did not start: the path the preview and deploy workflows take. */
describe("pnpm test:e2e --url against a running API", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("e2e-runner");
  });
  afterAll(() => api?.stop());

  it("passes the read-only smoke suite with a read-only key", async () => {
    const { code, output } = await runE2e(["--url", api.url, "--smoke"], { E2E_READ_ONLY_KEY: api.keys.readOnly });

    expect(code, output).toBe(0);
    expect(output).toContain(`against ${api.url}`);
    expect(passedTests(output)).toBeGreaterThanOrEqual(5);
  }, 240_000);

  it("fails the smoke suite when its key could write", async () => {
    const { code, output } = await runE2e(["--url", api.url, "--smoke"], { E2E_READ_ONLY_KEY: api.keys.full });

    expect(code, output).not.toBe(0);
    expect(output).toMatch(/holds a key that cannot write/);
  }, 240_000);

  it("passes a portable test file with both keys from the environment", async () => {
    const { code, output } = await runE2e(["--", "api-keys"], { E2E_BASE_URL: api.url, E2E_API_KEY: api.keys.full, E2E_READ_ONLY_KEY: api.keys.readOnly });

    expect(code, output).toBe(0);
    expect(passedTests(output)).toBe(7);
  }, 240_000);

  describe("with vitest's JSON report, as the rehearsal reads failures", () => {
    const reportDir = mkdtempSync(path.join(tmpdir(), "users-api-e2e-report-"));
    afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

    it("names each failed test and why when the read-only key can write", async () => {
      const file = path.join(reportDir, "portable.json");
      const { code, output } = await runE2e(["--", "api-keys", ...jsonReportArguments(file)], {
        E2E_BASE_URL: api.url,
        E2E_API_KEY: api.keys.full,
        E2E_READ_ONLY_KEY: api.keys.full,
      });

      expect(code, output).not.toBe(0);
      const report = readJsonReport(file);
      expect(report, output).toBeDefined();
      const failed = failedTests(report!, repositoryRoot);
      expect(failed.length).toBeGreaterThan(0);
      for (const line of failed) expect(line).toMatch(/^tools\/local\/test\/e2e\/portable\/api-keys\.test\.ts > .+: \S/);
    }, 240_000);

    it("names a file that failed outside its tests", async () => {
      const file = path.join(reportDir, "smoke.json");
      const { code, output } = await runE2e(["--url", api.url, "--smoke", "--", ...jsonReportArguments(file)], { E2E_READ_ONLY_KEY: api.keys.full });

      expect(code, output).not.toBe(0);
      const failed = failedTests(readJsonReport(file)!, repositoryRoot);
      expect(failed.length).toBeGreaterThan(0);
      expect(
        failed.every((line) => /^tools\/local\/test\/e2e\/smoke\/.+\.test\.ts(: | > )/.test(line)),
        failed.join("\n"),
      ).toBe(true);
    }, 240_000);

    it("has no failures to name in a run that passed, and no report for a run that never started", async () => {
      const file = path.join(reportDir, "passed.json");
      const { code, output } = await runE2e(["--url", api.url, "--smoke", "--", ...jsonReportArguments(file)], { E2E_READ_ONLY_KEY: api.keys.readOnly });

      expect(code, output).toBe(0);
      expect(failedTests(readJsonReport(file)!, repositoryRoot)).toEqual([]);
      expect(readJsonReport(path.join(reportDir, "never-written.json"))).toBeUndefined();
    }, 240_000);
  });
});
