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

/** Written while `pnpm local` runs, so `pnpm keys --stage local` can find the emulators. */
export interface RunningLocalApi {
  readonly pid: number;
  readonly url: string;
  readonly motoEndpoint: string;
  readonly dynamoDbEndpoint: string;
}
