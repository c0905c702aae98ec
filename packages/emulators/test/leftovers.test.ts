import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { leftoverEmulators, stopLeftovers } from "../src/leftovers.js";

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/** Runs a shell script in a process group of its own; resolves with the pids it prints (one per line) once it has printed `count`. */
function runScript(script: string, count: number, env: Record<string, string> = {}): Promise<number[]> {
  const shell = spawn("/bin/sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, ...env } });
  started.push(shell.pid ?? 0);
  let output = "";
  return new Promise((resolve) =>
    shell.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const pids = output.split("\n").filter(Boolean).map(Number);
      if (pids.length >= count) resolve(pids);
    }),
  );
}

describe("leftover emulators", () => {
  it("are found by their command line on the data directory's files, and only those", async () => {
    const dir = `/tmp/users-api-leftovers-${process.pid}`;
    // Programs whose command lines read as DynamoDB Local's (`node -e <sleep> DynamoDBLocal.jar -dbPath <dir>`): one on this
    // data directory's database, one on another whose path starts the same. Node itself, not a python3 that may be a
    // version manager's shim, whose own subshells carry the same command line for a moment.
    const [onThisDirectory, elsewhere] = [`${dir}/dynamodb`, `${dir}/dynamodb-copy`].map((database) => {
      const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 300_000)", "DynamoDBLocal.jar", "-dbPath", database], { stdio: "ignore" });
      started.push(sleeper.pid ?? 0);
      return sleeper.pid;
    });

    const found = leftoverEmulators({ dynamoDbData: `${dir}/dynamodb`, apiKeysBackup: `${dir}/api-keys.json` });

    expect(elsewhere).toBeDefined();
    expect(found).toEqual([{ pid: onThisDirectory, name: "DynamoDB Local" }]);
  });

  it("are stopped even when nothing reaps them (a zombie has exited): the start does not wait forever", async () => {
    // The parent (`exec sleep`) never reaps its child, as a container's pid 1 that is no init does not reap orphans.
    const [child] = await runScript("sleep 300 & echo $!; exec sleep 302", 1);
    started.push(child ?? 0);

    const stillRunning = await stopLeftovers([{ pid: child ?? 0, name: "DynamoDB Local" }], 500);

    expect(stillRunning).toEqual([]);
  }, 15_000);
});
