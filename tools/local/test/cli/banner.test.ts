import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@users-api/emulators/child-process";
import { eventually, startPnpmLocal, type PnpmLocal } from "../helpers/pnpm-local.js";

const dataDir = mkdtempSync(join(tmpdir(), "users-api-banner-"));
/** Another directory, as another terminal would be in. */
const elsewhere = mkdtempSync(join(tmpdir(), "users-api-elsewhere-"));
let local: PnpmLocal | undefined;
afterAll(() => {
  if (local) process.kill(-local.pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

/** Runs a line as a person pastes it into a shell: another directory, none of the runner's variables. */
function paste(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { USERS_API_LOCAL_DIR: _dir, PORT: _port, ...environment } = process.env;
  return new Promise((resolve) => {
    execFile("sh", ["-c", line], { cwd: elsewhere, env: environment, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const commandAfter = (output: string, label: string) => {
  const line = output.split("\n").find((text) => text.trimStart().startsWith(label));
  if (!line) throw new Error(`The banner has no "${label}" line:\n${output}`);
  return line.slice(line.indexOf(label) + label.length).trim();
};

describe("pnpm local's banner on its own data directory and port", () => {
  it("says each start-up step as it completes, its hints work when pasted elsewhere, and Ctrl-C ends with a line that it stopped", async () => {
    const port = await freePort();
    local = await startPnpmLocal({ dataDir, port });
    const banner = local.output();
    expect(banner).toMatch(/^Starting DynamoDB Local and moto\.\.\.\n {2}done \(\d+\.\d s\)$/m);
    expect(banner).toMatch(/^Bundling the functions with esbuild and starting the API Gateway emulator\.\.\.\n {2}done \(\d+\.\d s\)$/m);

    const tried = await paste(`${commandAfter(banner, "Try:")} -s -o /dev/null -w '%{http_code}'`);
    expect(tried).toEqual({ code: 0, stdout: "200", stderr: "" });

    const moreKeys = await paste(commandAfter(banner, "More keys:"));
    expect(moreKeys.stdout).toMatch(/^Created key "reader-\d+" with scopes users:read on stage local\.$/m);
    expect(moreKeys.code).toBe(0);
    // Nothing a user cannot act on (on the Node the README asks for, the SDK has no Node-version warning).
    expect(moreKeys.stderr).toBe("");
    const key = moreKeys.stdout.trim().split("\n").at(-1) ?? "";
    expect(key).toMatch(/^uak_/);
    // A new key works once the authorizer re-reads the key list (at most every 5 s).
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/users`, { headers: { "x-api-key": key } })).status === 200, "the new key is accepted");

    process.kill(-local.pid, "SIGINT");
    expect((await local.exited).code).toBe(0);
    expect(local.output().trimEnd().split("\n").at(-1)).toBe(`Stopped: the local API and its emulators are down; data and keys are kept in ${dataDir}.`);
    local = undefined;
  }, 240_000);
});
