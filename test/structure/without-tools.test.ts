import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Links the installed packages into a copy of the app without its tools: every tracked file but tools/, with the installed packages linked in. Root
 * node_modules entries link to this checkout's installed packages (third-party code only: the root depends on
 * no tool), while the workspace links (`@users-api/*`, each package's node_modules) are copied, so they point
 * into the copy, where tools/ does not exist.
 */
/** The checkout's files (tracked, or new and not ignored), but tools/. */
async function trackedFiles(): Promise<string[]> {
  const { stdout } = await run("git", ["ls-files", "-co", "--exclude-standard"], { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024 });
  return stdout.split("\n").filter((file) => file && !file.startsWith("tools/") && existsSync(join(repositoryRoot, file)));
}

function linkInstalledPackages(copy: string) {
  const modules = join(repositoryRoot, "node_modules");
  mkdirSync(join(copy, "node_modules"));
  for (const entry of readdirSync(modules)) {
    if (entry === "@users-api") cpSync(join(modules, entry), join(copy, "node_modules", entry), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(join(modules, entry), join(copy, "node_modules", entry));
  }
  for (const name of readdirSync(join(repositoryRoot, "packages"))) {
    const own = join(repositoryRoot, "packages", name, "node_modules");
    if (existsSync(own)) cpSync(own, join(copy, "packages", name, "node_modules"), { recursive: true, verbatimSymlinks: true });
  }
}

describe("the app without tools/", () => {
  let copy = "";

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), "users-api-without-tools-"));
    for (const file of await trackedFiles()) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(repositoryRoot, file), join(copy, file), { verbatimSymlinks: true });
    }
    linkInstalledPackages(copy);
  }, 120_000);

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("has no tools/ folder to lean on", () => {
    expect(existsSync(join(copy, "tools"))).toBe(false);
  });

  it("typechecks", async () => {
    const env = { ...process.env, SST_TELEMETRY_DISABLED: "1" };
    await run(join(copy, "node_modules/.bin/sst"), ["types", "--stage", "local"], { cwd: copy, env });
    const { stdout } = await run(join(copy, "node_modules/.bin/tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: copy, env }).catch(
      (error: { stdout: string }) => error,
    );
    expect(stdout).toBe("");
  }, 300_000);

  it("synthesizes every stack of a stage", async () => {
    const { stdout } = await run(join(copy, "node_modules/.bin/tsx"), ["scripts/synth.ts", "--stage", "dev"], {
      cwd: copy,
      env: { ...process.env, SST_TELEMETRY_DISABLED: "1", NODE_ENV: "test" },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toMatch(/Api/);
  }, 300_000);
});
