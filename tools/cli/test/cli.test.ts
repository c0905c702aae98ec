import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandRefused, FAILURE_EXIT_CODE, USAGE_EXIT_CODE, UsageError, failureReport, parseCommandLine, synopsisOf } from "../src/index.js";

const run = promisify(execFile);
const cliModule = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
const usage = "Runs the example.\n\n  pnpm example --stage <stage>\n\n--stage  the stage";
const synopsis = "pnpm example --stage <stage>";

describe("parseCommandLine", () => {
  const options = { stage: { type: "string" }, keep: { type: "boolean" } } as const;

  it("reads the options it is given", () => {
    expect(parseCommandLine({ args: ["--stage", "dev", "--keep"], options }).values).toEqual({ stage: "dev", keep: true });
  });

  it.each([
    [["--stgae", "dev"], /Unknown option '--stgae'/],
    [["--stage"], /Option '--stage <value>' argument missing/],
    [["extra"], /Unexpected argument 'extra'/],
  ])("raises %j as a usage error naming the mistake", (args, message) => {
    expect(() => parseCommandLine({ args, options })).toThrow(UsageError);
    expect(() => parseCommandLine({ args, options })).toThrow(message);
  });
});

describe("failureReport", () => {
  it("gives a usage error one line, its message and the command's synopsis, and exit code 2", () => {
    expect(failureReport(new UsageError("--stage is required"), usage)).toEqual({ text: `--stage is required. Usage: ${synopsis}`, exitCode: USAGE_EXIT_CODE });
  });

  it("gives a refusal its message alone and exit code 1", () => {
    expect(failureReport(new CommandRefused("pnpm keys needs AWS credentials: run aws configure"), usage)).toEqual({
      text: "pnpm keys needs AWS credentials: run aws configure",
      exitCode: FAILURE_EXIT_CODE,
    });
  });

  it("takes a one-line usage as its own synopsis", () => {
    expect(synopsisOf("Usage: pnpm cost --stage <stage>")).toBe("pnpm cost --stage <stage>");
  });

  it.each([
    ["an Error", new Error("the emulator did not start"), "Error: the emulator did not start"],
    ["a thrown string", "boom", "Error: boom"],
  ])("gives %s `Error: <message>`, without the usage, and exit code 1", (_, error, text) => {
    expect(failureReport(error, usage)).toEqual({ text, exitCode: FAILURE_EXIT_CODE });
  });

  it("adds the stack when asked to", () => {
    const error = new Error("synthesis failed");
    expect(failureReport(error, usage, { showStack: true }).text).toBe(`Error: ${error.stack}`);
  });
});

describe("runCommand, in a process of its own", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "users-api-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs a command whose main is `body`, and returns its exit code and output. */
  async function command(body: string) {
    const file = join(dir, `command-${Math.random().toString(36).slice(2)}.ts`);
    await writeFile(
      file,
      `import { UsageError, runCommand } from ${JSON.stringify(cliModule)};\nrunCommand(async () => { ${body} }, ${JSON.stringify(usage)});\n`,
    );
    return run(tsx, [file]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  }

  it("exits with the code main returns", async () => {
    expect(await command('console.log("done"); return 3;')).toEqual({ code: 3, stdout: "done\n", stderr: "" });
  });

  it("prints a usage error in one line on stderr, and exits with 2", async () => {
    expect(await command('throw new UsageError("--stage is required");')).toEqual({ code: 2, stdout: "", stderr: `--stage is required. Usage: ${synopsis}\n` });
  });

  it("reports a usage error that main throws before it returns a promise", async () => {
    const file = join(dir, "synchronous.ts");
    await writeFile(
      file,
      `import { UsageError, runCommand } from ${JSON.stringify(cliModule)};\nfunction main(): Promise<number> { throw new UsageError("--url is required"); }\nrunCommand(main, ${JSON.stringify(usage)});\n`,
    );
    const failure = (await run(tsx, [file]).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect({ code: failure.code, stderr: failure.stderr }).toEqual({ code: 2, stderr: `--url is required. Usage: ${synopsis}\n` });
  });

  it("prints any other error as one Error: line, and exits with 1", async () => {
    expect(await command('throw new Error("the emulator did not start");')).toEqual({ code: 1, stdout: "", stderr: "Error: the emulator did not start\n" });
  });
});
