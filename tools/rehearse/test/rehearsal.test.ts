import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `pnpm rehearse` as a user runs it: the real SST CLI deploys, updates and removes a personal stage and
 * prod on the extended moto_server, and the command's exit status says whether the deploy path holds.
 */
const cli = path.join("tools", "rehearse", "src", "cli.ts");
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
    "rehearses a personal stage and prod end to end, serves prod with --serve until interrupted, then removes it and exits 0",
    async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "users-api-serve-")), "served.json");
      // The stages named, so the run leaves out `sst dev` (dev-rehearsal.test.ts rehearses it, once).
      const child = spawn(tsx, [cli, "--stage", "rehearsal", "--stage", "prod", "--serve", file], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
      while (!output.includes("Serving stage") && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(output, output).toContain("Serving stage prod");

      const { stages } = JSON.parse(readFileSync(file, "utf8")) as { stages: { stage: string; url: string; apiKey: string; readOnlyKey: string }[] };
      expect(stages.map((served) => served.stage)).toEqual(["prod"]);
      const [prod] = stages;
      const read = await fetch(`${prod!.url}/users?limit=1`, { headers: { "x-api-key": prod!.readOnlyKey } });
      expect(read.status).toBe(200);
      const write = await fetch(`${prod!.url}/users`, {
        method: "POST",
        headers: { "x-api-key": prod!.readOnlyKey, "content-type": "application/json" },
        body: JSON.stringify({ email: "served@example.com", name: "Served" }),
      });
      expect(write.status).toBe(403);
      const created = await fetch(`${prod!.url}/users`, {
        method: "POST",
        headers: { "x-api-key": prod!.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ email: "served@example.com", name: "Served" }),
      });
      expect(created.status).toBe(201);

      child.kill("SIGINT");
      const code = await exited;
      expect(output).toMatch(/Rehearsal passed in \d+ s/);
      expect(output).toContain("✔ account: one-time set-up of a fresh account (API Gateway's CloudWatch Logs role)");
      for (const stage of ["rehearsal", "prod"]) {
        for (const step of [
          "sst deploy (from nothing",
          "every template resource is in its service's API, cfn-lint finds no error",
          "sst secrets set CURSOR_SECRET",
          "the deployed stage serves",
          "pnpm keys create, list, revoke",
          "second deploy with a change is an update",
          "the updated stage serves and the portable suite passes",
          "sst remove leaves only what the templates retain",
        ]) {
          expect(output).toContain(`✔ ${stage}: ${step}`);
        }
      }
      expect(output).toContain("Stopped: the served stage is removed");
      expect(existsSync(file)).toBe(false);
      expect(code).toBe(0);
    },
    REHEARSAL_TIMEOUT_MS,
  );

  it(
    "on a fresh account without the one-time set-up, API Gateway refuses the stage's access logs: exit 1 naming the stack, the resource and the reason",
    async () => {
      // `pnpm exec sst deploy` straight away, as a first deploy that skipped `pnpm run account:setup` would.
      const { code, output } = await rehearse(["--stage", "rehearsal"], { REHEARSAL_ACCOUNT_SETUP: "skip" });

      expect(output).toContain("✘ rehearsal: sst deploy (from nothing");
      expect(output).toMatch(/Rehearsal failed: stage rehearsal, sst deploy[^\n]*: `[^`]*sst deploy --stage rehearsal` exited with code 1/);
      expect(output).toMatch(
        /rehearsal-users-api-Api \S*Stage\S* \(AWS::ApiGateway::Stage\) CREATE_FAILED: [^\n]*CloudWatch Logs role ARN must be set in account settings to enable logging/,
      );
      expect(code).toBe(1);
    },
    REHEARSAL_TIMEOUT_MS,
  );
});
