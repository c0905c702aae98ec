import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * What a run of the suites failed, read from vitest's JSON reporter rather than from its colored text, whose
 * layout vitest is free to change. The fields read are those of vitest's (Jest-compatible) JSON report.
 */
interface JsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly { readonly fullName: string; readonly status: string; readonly failureMessages?: readonly string[] }[];
  }[];
}

/** The vitest arguments (after `pnpm test:e2e ... --`) that keep the usual output and also write the JSON report to `file`. */
export const jsonReportArguments = (file: string): string[] => ["--reporter=default", "--reporter=json", `--outputFile.json=${file}`];

/** The report a run wrote, or `undefined` when it wrote none (the run ended before vitest could report). */
export function readJsonReport(file: string): JsonReport | undefined {
  if (!existsSync(file)) return undefined;
  const report: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof report !== "object" || report === null || !Array.isArray((report as JsonReport).testResults)) {
    throw new Error(`${file} is not a vitest JSON report`);
  }
  return report as JsonReport;
}

const MAX_FAILURES = 10;
const MAX_LINE = 200;

/**
 * Each failed test, as `<file> > <test>: <first line of why>` (at most ten, each cut to 200 characters). A file
 * that failed with no failed test (its import or a hook threw; vitest's JSON report drops a hook's error) is
 * named with its message, or as failed outside its tests.
 */
export function failedTests(report: JsonReport, root: string): string[] {
  const failed: string[] = [];
  for (const file of report.testResults) {
    const name = path.relative(root, file.name);
    const tests = file.assertionResults.filter((test) => test.status === "failed");
    for (const test of tests) failed.push(`${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    if (tests.length === 0 && file.status === "failed") {
      failed.push(`${name}: ${file.message ? firstLine(file.message) : "failed outside its tests (a hook: see the log)"}`);
    }
  }
  return failed.slice(0, MAX_FAILURES).map((line) => line.slice(0, MAX_LINE));
}

const firstLine = (text = "") =>
  text
    .split("\n")
    .find((line) => line.trim() !== "")
    ?.trim() ?? "";
