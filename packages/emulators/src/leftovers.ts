import { execFileSync } from "node:child_process";

/** An emulator process still running on a data directory although no `pnpm local` holds it. */
export interface LeftoverEmulator {
  readonly pid: number;
  readonly name: string;
}

/** Every process with its state and command line (`ps` on Linux and macOS alike). */
function processes(): { pid: number; zombie: boolean; args: string }[] {
  const listing = execFileSync("ps", ["-A", "-ww", "-o", "pid=,stat=,args="], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return listing
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), zombie: (match[2] ?? "").startsWith("Z"), args: match[3] ?? "" }));
}

/**
 * Emulators that use a data directory's files: a DynamoDB Local on its database directory, a moto
 * mirroring secrets into its key backup. Found by command line, so also those an older runner left.
 */
export function leftoverEmulators(files: { readonly dynamoDbData: string; readonly apiKeysBackup: string }): LeftoverEmulator[] {
  return processes()
    .filter(({ pid, zombie }) => pid !== process.pid && !zombie)
    .flatMap(({ pid, args }): LeftoverEmulator[] => {
      // Whole arguments only: `-dbPath <dir>/dynamodb` is not `-dbPath <dir>/dynamodb-copy` (another directory's).
      const padded = `${args} `;
      if (padded.includes("DynamoDBLocal") && padded.includes(` -dbPath ${files.dynamoDbData} `)) return [{ pid, name: "DynamoDB Local" }];
      if (padded.includes("moto_server") && padded.includes(`=${files.apiKeysBackup} `)) return [{ pid, name: "moto" }];
      return [];
    });
}

/**
 * Whether a process still runs. A zombie has exited (it holds no file any more) and only waits for its parent to
 * reap it; where nothing reaps orphans (a container whose pid 1 is no init), it stays a zombie for good.
 */
const isRunning = (pid: number) => processes().some((entry) => entry.pid === pid && !entry.zombie);

/** Sends a signal; `false` when the process may not be signalled (another user's). */
const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
};

async function waitUntilGone(leftovers: readonly LeftoverEmulator[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let running = leftovers.filter(({ pid }) => isRunning(pid));
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    running = running.filter(({ pid }) => isRunning(pid));
  }
  return running;
}

/**
 * Stops the processes: SIGTERM, then SIGKILL for those still running after `graceMs`.
 * @returns those that could not be stopped (not this user's, or still running 2 s after SIGKILL); empty when all are gone
 */
export async function stopLeftovers(leftovers: readonly LeftoverEmulator[], graceMs = 5000): Promise<LeftoverEmulator[]> {
  const refused = leftovers.filter(({ pid }) => !signal(pid, "SIGTERM"));
  const signalled = leftovers.filter((leftover) => !refused.includes(leftover));
  const stubborn = await waitUntilGone(signalled, graceMs);
  for (const { pid } of stubborn) signal(pid, "SIGKILL");
  return [...refused, ...(await waitUntilGone(stubborn, 2000))];
}
