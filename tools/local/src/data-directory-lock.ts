import { readFileSync, rmSync, writeFileSync } from "node:fs";

/** Who holds a data directory: the pid of the `pnpm local` runner using it. */
export interface LockHolder {
  readonly pid: number;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

function holderOf(lockFile: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockFile, "utf8")) as Partial<LockHolder>;
    return typeof holder.pid === "number" ? { pid: holder.pid } : undefined;
  } catch {
    return undefined;
  }
}

/** The live runner holding the lock, if any (a lock left by a runner that was killed does not count). */
export function liveLockHolder(lockFile: string): LockHolder | undefined {
  const holder = holderOf(lockFile);
  return holder && holder.pid !== process.pid && isAlive(holder.pid) ? holder : undefined;
}

/**
 * Takes the data directory for this process: creates the lock file exclusively, replacing one left
 * by a runner that no longer exists. Returns the live holder instead when another runner has it.
 */
export function acquireDataDirectoryLock(
  lockFile: string,
): { readonly acquired: true; release(): void } | { readonly acquired: false; readonly holder: LockHolder } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, JSON.stringify({ pid: process.pid }), { flag: "wx", mode: 0o600 });
      return {
        acquired: true,
        release: () => {
          if (holderOf(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = liveLockHolder(lockFile);
      if (holder) return { acquired: false, holder };
      rmSync(lockFile, { force: true });
    }
  }
  const holder = holderOf(lockFile);
  return { acquired: false, holder: holder ?? { pid: -1 } };
}
