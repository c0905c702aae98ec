import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ApiKeyStore, allScopes, documentationPaths, findApiKey } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { createApiKey, readApiKeys, revokeApiKey } from "../api-keys.js";
import { acquireDataDirectoryLock, liveLockHolder } from "../data-directory-lock.js";
import type { ManagedProcess } from "../emulators/child-process.js";
import { startDynamoDbLocal } from "../emulators/dynamodb-local.js";
import { startMoto } from "../emulators/moto.js";
import { startLocalApi } from "../gateway/index.js";
import { startIamProxy } from "../iam/index.js";
import { localPaths, type RunningLocalApi } from "../local-paths.js";
import { localRunnerPrerequisites, missingPrerequisites } from "../prerequisites.js";
import { clientsFor, localApiKeysSecretName, prepareLocalStage } from "../stage.js";

/** The full-access key `pnpm local` seeds, so the API is usable right away. */
const SEED_KEY_NAME = "local-admin";
const STAGE = "local";
/** Signals that mean "stop": Ctrl-C, `kill`, and the terminal closing. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

const readIfExists = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

/** Whether nothing listens on 127.0.0.1:port (the API's address). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(false) : reject(error)));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function alreadyRunningMessage(pid: number, runningFile: string, root: string) {
  let where = "still starting";
  try {
    const running = JSON.parse(readFileSync(runningFile, "utf8")) as RunningLocalApi;
    if (running.pid === pid) where = running.url;
  } catch {
    // Not ready yet: no running.json.
  }
  return (
    `pnpm local is already running on this data directory (pid ${pid}, ${where}): ${root}. ` +
    `Stop it first (Ctrl-C in its terminal, or kill -TERM ${pid}), or give this one its own with USERS_API_LOCAL_DIR=<dir>.`
  );
}

/** Why a saved key list cannot be restored, or `undefined` when it can. */
function invalidBackup(saved: string): string | undefined {
  try {
    ApiKeyStore.parse(JSON.parse(saved));
    return undefined;
  } catch (error) {
    return error instanceof SyntaxError ? "not JSON" : "not a key list";
  }
}

/** Runs `pnpm local` until it is told to stop (exit code 0) or an emulator dies (exit code 1). */
async function main(): Promise<number> {
  const paths = localPaths();
  const port = Number(process.env.PORT ?? 3000);

  // Everything that can refuse to start does so before anything is started or written.
  const missing = await missingPrerequisites(localRunnerPrerequisites);
  if (missing.length > 0) {
    for (const line of missing) console.error(line);
    return 1;
  }
  const holder = liveLockHolder(paths.lockFile);
  if (holder) {
    console.error(alreadyRunningMessage(holder.pid, paths.runningFile, paths.root));
    return 1;
  }
  if (!(await portIsFree(port))) {
    console.error(`Port ${port} is already in use (another pnpm local, or another program): stop it, or choose another port, e.g. PORT=${port + 1} pnpm local.`);
    return 1;
  }
  const savedKeys = readIfExists(paths.apiKeysBackup);
  const backupProblem = savedKeys === undefined ? undefined : invalidBackup(savedKeys);
  if (backupProblem) {
    console.error(`The API-key backup ${paths.apiKeysBackup} is not valid (${backupProblem}): repair it, or move it away to start with a new key.`);
    return 1;
  }
  mkdirSync(paths.root, { recursive: true });
  const lock = acquireDataDirectoryLock(paths.lockFile);
  if (!lock.acquired) {
    console.error(alreadyRunningMessage(lock.holder.pid, paths.runningFile, paths.root));
    return 1;
  }
  mkdirSync(paths.dynamoDbData, { recursive: true });
  mkdirSync(paths.logDir, { recursive: true });

  const stopping: (() => Promise<unknown>)[] = [];
  let startup: Promise<void> = Promise.resolve();
  let shuttingDown: Promise<number> | undefined;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  /** Stops what was started, newest first, once startup has settled (so nothing starts after the stop). */
  const shutDown = (exitCode: number, reason?: string) => {
    shuttingDown ??= (async () => {
      if (reason) console.error(reason);
      console.log("\nStopping the local API (after answering the requests in flight) and the emulators...");
      await startup.catch(() => undefined);
      for (const stop of stopping.reverse()) await stop().catch((error: unknown) => console.error("While stopping:", error));
      rmSync(paths.runningFile, { force: true });
      lock.release();
      return exitCode;
    })();
    void shuttingDown.then(finish);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutDown(0));
  const watch = (name: string, emulator: ManagedProcess, logFile: string) =>
    emulator.child.once("exit", (code, signal) => {
      if (shuttingDown) return;
      shutDown(
        1,
        `${name} (pid ${emulator.child.pid}) died unexpectedly (${signal ?? `exit code ${code}`}); its log is ${logFile}. ` +
          "Stopping pnpm local; the data and keys are kept: run pnpm local again.",
      );
    });

  startup = (async () => {
    const dynamoDbLog = join(paths.logDir, "dynamodb-local.log");
    const motoLog = join(paths.logDir, "moto.log");
    const [dynamoDb, moto] = await Promise.all([
      startDynamoDbLocal({ dbPath: paths.dynamoDbData, logFile: createWriteStream(dynamoDbLog, { flags: "a" }) }),
      // moto keeps nothing on disk: it writes the API-keys secret to the backup before it acknowledges a change.
      startMoto({ logFile: createWriteStream(motoLog, { flags: "a" }), mirrorSecrets: { [localApiKeysSecretName(STAGE)]: paths.apiKeysBackup } }),
    ]);
    stopping.push(() => dynamoDb.stop(), () => moto.stop());
    watch("DynamoDB Local", dynamoDb.process, dynamoDbLog);
    watch("moto", moto.process, motoLog);

    const cursorSecret = readIfExists(paths.cursorSecret) ?? randomBytes(32).toString("base64url");
    writeFileSync(paths.cursorSecret, cursorSecret, { mode: 0o600 });
    const stage = await prepareLocalStage({
      endpoints: { dynamoDb: dynamoDb.endpoint, moto: moto.endpoint },
      stage: STAGE,
      cursorSecret,
      apiKeys: savedKeys,
    });

    const { secretsManager } = clientsFor(stage.endpoints);
    const apiKey = await ensureSeedKey(secretsManager, stage.apiKeysSecretArn, readIfExists(paths.apiKey));
    secretsManager.destroy();
    writeFileSync(paths.apiKey, apiKey, { mode: 0o600 });

    const iam = await startIamProxy({ stage });
    stopping.push(() => iam.stop());
    const api = await startLocalApi({
      stage,
      port,
      buildDir: paths.buildDir,
      logDir: paths.logDir,
      awsEnvironmentFor: iam.environmentFor,
      documents: (url) => ({ [documentationPaths.openApiDocument]: openApiDocument({ serverUrl: url }) }),
      apiReference: { documentPath: documentationPaths.openApiDocument },
    });
    stopping.push(async () => {
      const { cutOff } = await api.stop();
      if (cutOff > 0) console.error(`${cutOff} request(s) were still unanswered when the drain time ran out; their connections were closed.`);
    });
    if (shuttingDown) return;

    const running: RunningLocalApi = { pid: process.pid, url: api.url, motoEndpoint: moto.endpoint, dynamoDbEndpoint: dynamoDb.endpoint };
    writeFileSync(paths.runningFile, JSON.stringify(running, null, 2));
    console.log(`users-api is running locally (stage "${STAGE}", data in ${paths.root})

  Base URL   ${api.url}
  API key    ${apiKey}   (full access; also in ${paths.apiKey})

  Try:  curl -H "x-api-key: $(cat ${paths.apiKey})" ${api.url}/users
  Docs: ${api.url}${documentationPaths.apiReference} (API reference)   ${api.url}${documentationPaths.openApiDocument} (OpenAPI 3.1)
  Logs: ${paths.logDir}/<Function>.log   More keys: pnpm keys create --stage local --name <name> --scopes users:read
  Ctrl-C stops everything (after answering the requests in flight); data and keys are kept for the next start.
ready`);
  })();
  startup.catch((error: unknown) => {
    if (!shuttingDown) shutDown(1, `Could not start the local API: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  });
  return finished;
}

/** Keeps the seeded key across restarts; makes a new one when its saved copy is gone. */
async function ensureSeedKey(client: ReturnType<typeof clientsFor>["secretsManager"], secretId: string, savedKey: string | undefined) {
  const store = await readApiKeys(client, secretId);
  if (savedKey && findApiKey(store, savedKey.trim())) return savedKey.trim();
  if (store.keys.some((record) => record.name === SEED_KEY_NAME)) await revokeApiKey(client, secretId, SEED_KEY_NAME);
  return (await createApiKey(client, secretId, SEED_KEY_NAME, allScopes)).key;
}

// After the terminal closes, writing to it fails (EIO, EPIPE): that must not stop the shutdown half-way.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("pnpm local failed:", error);
    process.exit(1);
  },
);
