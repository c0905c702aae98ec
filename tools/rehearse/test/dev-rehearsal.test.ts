import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_STAGE, LIVE_EDIT_HEADER, LIVE_EDITED_ROUTE } from "../src/dev-rehearsal.js";

/**
 * `pnpm rehearse --dev --serve <file>` as a user runs it: `sst dev` with the real CLI against the emulator, one
 * session for every assertion (it is the slow part). Each step prints ✔ or ✘ with its cause; the run then keeps
 * the Live Lambda stage serving until Ctrl-C.
 */
const cli = path.join("tools", "rehearse", "src", "cli.ts");
const tsx = path.join("node_modules", ".bin", "tsx");
const DEV_TIMEOUT_MS = 15 * 60 * 1000;

describe("sst dev rehearsal", () => {
  it(
    "deploys the personal stage in dev mode, serves requests through SST's stubs to the handlers sst dev runs, live-edits, reloads the cursor secret, serves with --serve until Ctrl-C, then stops sst dev and removes the stage",
    async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "users-api-dev-serve-")), "served.json");
      const child = spawn(tsx, [cli, "--dev", "--serve", file], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
      while (!output.includes("Serving the Live Lambda stage") && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(output, output).toContain(`Serving the Live Lambda stage ${DEV_STAGE}`);

      const { stages } = JSON.parse(readFileSync(file, "utf8")) as { stages: { stage: string; url: string; apiKey: string; readOnlyKey: string }[] };
      expect(stages.map((served) => served.stage)).toEqual([DEV_STAGE]);
      const [dev] = stages;
      const body = JSON.stringify({ email: "served-dev@example.com", name: "Served" });
      const refused = await fetch(`${dev!.url}/users`, {
        method: "POST",
        headers: { "x-api-key": dev!.readOnlyKey, "content-type": "application/json" },
        body,
      });
      expect(refused.status).toBe(403);
      const created = await fetch(`${dev!.url}/users`, { method: "POST", headers: { "x-api-key": dev!.apiKey, "content-type": "application/json" }, body });
      expect(created.status).toBe(201);
      const { userId } = (await created.json()) as { userId: string };
      // The live edit is still in the rehearsal's working tree: sst dev serves it, so the answer carries its header.
      const read = await fetch(`${dev!.url}${LIVE_EDITED_ROUTE.path.replace("{userId}", userId)}`, { headers: { "x-api-key": dev!.readOnlyKey } });
      expect(read.status).toBe(200);
      expect(read.headers.get(LIVE_EDIT_HEADER)).toMatch(/^[0-9a-f]{12}$/);

      child.kill("SIGINT");
      const code = await exited;
      for (const step of [
        "pnpm account:setup (a fresh account's API Gateway logging role)",
        "sst secrets set CURSOR_SECRET for the new stage",
        "sst dev deploys the stage in dev mode and connects to IoT",
        "the portable suite passes through the deployed API and SST's stubs to the handlers sst dev runs (keys from pnpm keys)",
        "a live edit of a handler is served without a redeploy",
        "sst secrets set CURSOR_SECRET reloads the bound functions: cursors signed before no longer verify",
        "Ctrl-C ends sst dev",
        "sst remove removes the dev stage",
      ]) {
        expect(output).toContain(`✔ ${DEV_STAGE}: ${step}`);
      }
      expect(output).toMatch(/`sst dev` rehearsal passed in \d+ s: [1-9]\d* requests through Live Lambda, p50 \d+ ms\./);
      expect(existsSync(file)).toBe(false);
      expect(code, output).toBe(0);
      console.log(output);
    },
    DEV_TIMEOUT_MS,
  );
});
