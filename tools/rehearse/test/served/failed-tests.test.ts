import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { failedTests } from "../../src/served/served-stage.js";

// The portable suite's output from a CI run that failed two tests, colored as vitest writes it under CI.
const colored = readFileSync(new URL("../fixtures/vitest-failed-colored.txt", import.meta.url), "utf8");

describe("the served stage's failure line", () => {
  it("names each failed test of a colored vitest run, and why", () => {
    expect(failedTests(colored)).toEqual([
      expect.stringMatching(
        /^tools\/local\/test\/e2e\/portable\/users\.test\.ts > users API > GET \/users > refuses a tampered cursor with 400: AssertionError: .*/,
      ),
      expect.stringMatching(
        /^tools\/local\/test\/e2e\/portable\/users\.test\.ts > users API > GET \/users > refuses the query cursor= with 400: AssertionError: \{"type":"\/problems\/too-many-requests"/,
      ),
    ]);
    expect(failedTests(colored).every((line) => line.length <= 200 && !line.includes("\u001b"))).toBe(true);
  });

  it("names nothing in a run that passed", () => {
    expect(failedTests(colored.replace(/FAIL/g, "PASS"))).toEqual([]);
  });
});
