import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `pnpm rehearse` as a user runs it: the real SST CLI deploys, updates and removes a personal stage and
 * prod on the extended moto_server, and the command's exit status says whether the deploy path holds.
 */
const cli = path.join("scripts", "rehearse", "cli.ts");
const tsx = path.join("node_modules", ".bin", "tsx");

function rehearse(args: readonly string[], environment: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(tsx, [cli, ...args], { env: { ...process.env, ...environment }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

// Bundling seven functions and deploying five stacks, twice per stage, on a busy two-core machine.
const REHEARSAL_TIMEOUT_MS = 20 * 60 * 1000;

describe("pnpm rehearse", () => {
  it(
    "rehearses a personal stage and prod end to end and exits 0",
    async () => {
      const { code, output } = await rehearse([]);

      expect(output).toMatch(/Rehearsal passed in \d+ s/);
      for (const stage of ["rehearsal", "prod"]) {
        for (const step of [
          "sst deploy (from nothing",
          "every template resource is in its service's API",
          "sst secrets set CURSOR_SECRET",
          "pnpm keys create, list, revoke",
          "second deploy with a change is an update",
          "sst remove leaves only what the templates retain",
        ]) {
          expect(output).toContain(`✔ ${stage}: ${step}`);
        }
      }
      expect(code).toBe(0);
    },
    REHEARSAL_TIMEOUT_MS,
  );

  it(
    "fails with a non-zero exit, naming the stack and the resource, when a stack fails",
    async () => {
      // The emulator without the extension's SNS topic policy model: the Alerts stack cannot be created.
      const { code, output } = await rehearse(["--stage", "rehearsal"], { REHEARSAL_EMULATOR_WITHOUT: "AWS::SNS::TopicPolicy" });

      expect(output).toContain("✘ rehearsal: sst deploy (from nothing");
      expect(output).toMatch(/Rehearsal failed: stage rehearsal, sst deploy[^\n]*: `[^`]*sst deploy --stage rehearsal` exited with code 1/);
      expect(output).toMatch(/AWS::SNS::TopicPolicy is not supported by the rehearsal emulator/);
      expect(code).toBe(1);
    },
    REHEARSAL_TIMEOUT_MS,
  );
});
