import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { synthesized } from "../../../../test/infra/helpers/synthesis.js";

const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));
const cli = fileURLToPath(new URL("../../src/cost/cli.ts", import.meta.url));

/** Runs pnpm cost's CLI; resolves with its output once it exits, or once `until` matches (then stops it). */
function cost(args: readonly string[], until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SST_TELEMETRY_DISABLED: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.test(stdout)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("pnpm cost", () => {
  it("says first that it is synthesizing the stage's templates, before the long synthesis", async () => {
    const { stdout } = await cost(["--stage", "dev"], /Synthesizing/);
    expect(stdout.split("\n")[0]).toMatch(/^Synthesizing the dev templates from the stacks/);
  });

  it("ends with one line of the estimate, and no warning on stderr", async () => {
    const { outdir } = await synthesized("prod");

    const { code, stdout, stderr } = await cost(["--stage", "prod", "--templates", outdir]);

    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout.trim().split("\n").at(-1)).toMatch(
      /^Estimated: \$\d+\.\d\d a month at list prices for stage prod at 3,000 requests a day \(\$\d+\.\d\d with the always-free allowances\)\.$/,
    );
  });
});
