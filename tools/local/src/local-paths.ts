import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** Where `pnpm local` keeps its state: `.local/` at the repository root, or USERS_API_LOCAL_DIR. */
export function localPaths(root = process.env.USERS_API_LOCAL_DIR ?? join(repositoryRoot, ".local")) {
  return {
    root,
    repositoryRoot,
    dynamoDbData: join(root, "dynamodb"),
    apiKeysBackup: join(root, "api-keys.json"),
    cursorSecret: join(root, "cursor-secret"),
    apiKey: join(root, "api-key"),
    runningFile: join(root, "running.json"),
    /** Held by the one `pnpm local` using this directory (its pid), from before it starts anything. */
    lockFile: join(root, "pnpm-local.lock"),
    buildDir: join(root, "build"),
    logDir: join(root, "logs"),
  };
}

/** A value as one shell word (single-quoted unless it needs no quotes). */
export const shellQuote = (value: string) => (/^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/**
 * What a command needs before \`pnpm\` to reach the \`pnpm local\` on \`root\` from any directory: \`-C\` to the
 * repository (pnpm finds the scripts there) and USERS_API_LOCAL_DIR unless \`root\` is the default one.
 */
export function localCommandPrefix(root: string): string {
  const dataDirectory = resolve(root) === join(repositoryRoot, ".local") ? "" : `USERS_API_LOCAL_DIR=${shellQuote(resolve(root))} `;
  return `${dataDirectory}pnpm -C ${shellQuote(repositoryRoot)} `;
}

/** Written while `pnpm local` runs, so `pnpm keys --stage local` can find the emulators. */
export interface RunningLocalApi {
  readonly pid: number;
  readonly url: string;
  readonly motoEndpoint: string;
  readonly dynamoDbEndpoint: string;
}
