import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@users-api/emulators/child-process";
import { pnpmBinary, processesMentioning, repositoryRoot } from "../helpers/pnpm-local.js";

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
const newDir = (purpose: string) => {
  const dir = mkdtempSync(join(tmpdir(), `users-api-${purpose}-`));
  temporary.push(dir);
  return dir;
};

/** The real program behind a command on this machine's PATH (following shims such as pyenv's to the interpreter). */
const realPrograms: Record<string, () => string> = {
  node: () => process.execPath,
  sh: () => execFileSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).trim(),
  pnpm: () => pnpmBinary,
  java: () => execFileSync("sh", ["-c", 'readlink -f "$(command -v java)"'], { encoding: "utf8" }).trim(),
  python3: () => execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim(),
  "cfn-lint": () => execFileSync("sh", ["-c", "command -v cfn-lint"], { encoding: "utf8" }).trim(),
};

/** A PATH holding only these programs, as on a machine that lacks every other one. */
function pathWithOnly(programs: readonly (keyof typeof realPrograms)[]): string {
  const bin = newDir("path");
  for (const program of programs) symlinkSync(realPrograms[program]!(), join(bin, program));
  return bin;
}

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repositoryRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("pnpm local on a machine missing a prerequisite", () => {
  it.each([
    [
      "Java",
      ["node", "sh", "pnpm", "python3"],
      /^Java 17 or later is needed to run DynamoDB Local, and `java` is not on the PATH: install it, e\.g\. `sudo apt-get install openjdk-17-jre-headless`/m,
    ],
    [
      "moto",
      ["node", "sh", "pnpm", "java"],
      /^moto \(Python\) is needed to emulate Secrets Manager and SSM, and `python3` is not on the PATH: install it with `pip install 'moto\[server\]'`/m,
    ],
  ] as const)("without %s names it in one line with how to install it, and starts nothing", async (_, programs, line) => {
    const dataDir = newDir("missing");
    const port = await freePort();

    const { code, output } = await run(pnpmBinary, ["local"], { PATH: pathWithOnly(programs), USERS_API_LOCAL_DIR: dataDir, PORT: String(port) });

    expect(code).not.toBe(0);
    expect(output).toMatch(line);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/ENOENT/);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});

describe("pnpm test on a machine without cfn-lint", () => {
  it("names it in one line with how to install it, before any emulator starts", async () => {
    const { code, output } = await run(
      process.execPath,
      ["node_modules/vitest/vitest.mjs", "run", "packages/core/test/problem.test.ts", "--reporter=default"],
      { PATH: pathWithOnly(["node", "sh", "java", "python3"]), NO_COLOR: "1", FORCE_COLOR: "0" },
    );

    expect(code).not.toBe(0);
    expect(output).toMatch(
      /^Error: cfn-lint is needed by the infrastructure tests, and `cfn-lint` is not on the PATH: install it with `pip install cfn-lint`\.$/m,
    );
    expect(output).not.toMatch(/^\s+at /m);
  });
});

/** A `node` that says it is Node 20 (and otherwise is this Node), as on a machine whose Node is end of life. */
function pathWithNode20(): string {
  const bin = pathWithOnly(["sh", "pnpm", "java", "python3", "cfn-lint"]);
  const fake = join(bin, "node");
  writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "-p" ] && [ "$2" = "process.versions.node" ]; then echo 20.20.2; exit 0; fi\nexec "${process.execPath}" "$@"\n`);
  chmodSync(fake, 0o755);
  return bin;
}

describe("pnpm test checks every prerequisite before anything runs", () => {
  it.each([
    [
      "Chromium",
      () => ({ PATH: pathWithOnly(["node", "sh", "pnpm", "java", "python3", "cfn-lint"]), CHROMIUM_PATH: "/nonexistent/chromium" }),
      /^Chromium is needed by the API reference page's browser test, and there is none at \/nonexistent\/chromium: install it with `sudo apt-get install chromium`/m,
    ],
    [
      "Java",
      () => ({ PATH: pathWithOnly(["node", "sh", "pnpm", "python3", "cfn-lint"]) }),
      /^Java 17 or later is needed to run DynamoDB Local, and `java` is not on the PATH/m,
    ],
    ["moto", () => ({ PATH: pathWithOnly(["node", "sh", "pnpm", "java", "cfn-lint"]) }), /^moto \(Python\) is needed to emulate Secrets Manager and SSM/m],
    [
      "cfn-lint",
      () => ({ PATH: pathWithOnly(["node", "sh", "pnpm", "java", "python3"]) }),
      /^cfn-lint is needed by the infrastructure tests, and `cfn-lint` is not on the PATH/m,
    ],
    ["Node 22", () => ({ PATH: pathWithNode20() }), /^Node\.js 22 or later is needed .* `node` on the PATH is Node 20\.20\.2: install Node 22/m],
  ] as const)("without %s: one line naming it with how to install it, before the typecheck", async (_, environment, line) => {
    const { code, output } = await run(pnpmBinary, ["test"], { ...environment(), NO_COLOR: "1" });

    expect(code).not.toBe(0);
    expect(output).toMatch(line);
    // Nothing after the check: not the typecheck, not vitest.
    expect(output).not.toMatch(/^> users-api@[\d.]+ typecheck/m);
    expect(output).not.toMatch(/RUN {2}v\d/);
    expect(output).not.toMatch(/^\s+at /m);
  });
});
