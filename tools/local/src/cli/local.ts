import { randomBytes } from "node:crypto";
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { ApiKeyStore, allScopes, documentationPaths, findApiKey, functionDefaults } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { createApiKey, readApiKeys, revokeApiKey } from "@users-api/emulators/api-keys";
import { acquireDataDirectoryLock, liveLockHolder } from "../data-directory-lock.js";
import type { ManagedProcess } from "@users-api/emulators/child-process";
import { startDynamoDbLocal } from "@users-api/emulators/dynamodb-local";
import { leftoverEmulators, stopLeftovers } from "@users-api/emulators/leftovers";
import { startMoto } from "@users-api/emulators/moto";
import { functionNode } from "../gateway/function-node.js";
import { startLocalApi } from "../gateway/index.js";
import { startIamProxy } from "../iam/index.js";
import { localCommandPrefix, localPaths, shellQuote, type RunningLocalApi } from "../local-paths.js";
import { localRunnerPrerequisites, missingPrerequisites } from "@users-api/emulators/prerequisites";
import { clientsFor, localApiKeysSecretName, prepareLocalStage } from "@users-api/emulators/stage";

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

/**
 * The data directory holds users and keys: only this user may read it. Whatever is created from here on
 * is private (umask 077, also for the emulators); what an older runner created with looser modes is tightened.
 */
function keepPrivate(paths: ReturnType<typeof localPaths>) {
  process.umask(0o077);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  chmodSync(paths.root, 0o700);
  for (const dir of [paths.dynamoDbData, paths.logDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const files = [
    paths.apiKeysBackup,
    paths.apiKey,
    paths.cursorSecret,
    ...[paths.dynamoDbData, paths.logDir].flatMap((dir) => readdirSync(dir).map((name) => join(dir, name))),
  ];
  for (const file of files) if (existsSync(file)) chmodSync(file, 0o600);
}

/** What the start-up banner says about the seeded key: the key itself only on a terminal, never into a log file. */
function seedKeyLine(apiKey: string, keyFile: string, onTerminal: boolean) {
  return onTerminal ? `${apiKey}   (full access; also in ${keyFile})` : `in ${keyFile}   (full access; shown only on a terminal)`;
}

/** Says what start-up is doing now, and when it is done, how long it took: start-up takes 15 s or more. */
async function step<T>(doing: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`${doing}...`);
  const result = await work();
  console.log(`  done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

type Paths = ReturnType<typeof localPaths>;
type Lock = Extract<ReturnType<typeof acquireDataDirectoryLock>, { acquired: true }>;

/**
 * Everything that can refuse to start does so before anything is started or written: prerequisites, another
 * runner, the port, the key backup, the data directory's lock, emulators a killed runner left behind.
 */
async function refuseOrLock(paths: Paths, port: number): Promise<{ refused: number } | { lock: Lock; savedKeys: string | undefined }> {
  const missing = await missingPrerequisites(localRunnerPrerequisites);
  if (missing.length > 0) {
    for (const line of missing) console.error(line);
    return { refused: 1 };
  }
  const holder = liveLockHolder(paths.lockFile);
  if (holder) {
    console.error(alreadyRunningMessage(holder.pid, paths.runningFile, paths.root));
    return { refused: 1 };
  }
  if (!(await portIsFree(port))) {
    console.error(
      `Port ${port} is already in use (another pnpm local, or another program): stop it, or choose another port, e.g. PORT=${port + 1} pnpm local.`,
    );
    return { refused: 1 };
  }
  const savedKeys = readIfExists(paths.apiKeysBackup);
  const backupProblem = savedKeys === undefined ? undefined : invalidBackup(savedKeys);
  if (backupProblem) {
    console.error(`The API-key backup ${paths.apiKeysBackup} is not valid (${backupProblem}): repair it, or move it away to start with a new key.`);
    return { refused: 1 };
  }
  keepPrivate(paths);
  const lock = acquireDataDirectoryLock(paths.lockFile);
  if (!lock.acquired) {
    console.error(alreadyRunningMessage(lock.holder.pid, paths.runningFile, paths.root));
    return { refused: 1 };
  }
  // A runner that was killed before its emulators could be stopped (an older one, or kill -9 of the watchdog
  // itself) may have left them on these files: a second DynamoDB Local on one database locks it.
  const leftovers = leftoverEmulators(paths);
  if (leftovers.length > 0) {
    const named = leftovers.map(({ name, pid }) => `${name} (pid ${pid})`).join(" and ");
    console.log(`Stopping ${named}, left running on this data directory by a pnpm local that was killed...`);
    const stillRunning = await stopLeftovers(leftovers);
    if (stillRunning.length > 0) {
      const pids = stillRunning.map(({ pid }) => pid).join(" ");
      console.error(
        `Could not stop ${stillRunning.map(({ name, pid }) => `${name} (pid ${pid})`).join(" and ")} on ${paths.root}: ` +
          `stop it yourself (kill -9 ${pids}) and run pnpm local again; a second emulator on the same files would lock the database.`,
      );
      lock.release();
      return { refused: 1 };
    }
  }

  return { lock, savedKeys };
}

/**
 * The stop, whatever asks for it (a signal, an emulator that died, a failed start): what was started is stopped
 * newest first, once startup has settled (so nothing starts after the stop), and `finished` gives the exit code.
 */
function shutdownController(paths: Paths, lock: Lock) {
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
      console.log(`Stopped: the local API and its emulators are down; data and keys are kept in ${paths.root}.`);
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

  return {
    stopping,
    shutDown,
    watch,
    finished,
    shuttingDown: () => shuttingDown !== undefined,
    runStartup: (start: () => Promise<void>) => {
      startup = start();
      startup.catch((error: unknown) => {
        if (!shuttingDown) shutDown(1, `Could not start the local API: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
    },
  };
}

/** Starts the emulators, the stage (table, secrets, seed key), the IAM proxy and the local API, each as a step. */
async function startEverything(paths: Paths, port: number, savedKeys: string | undefined, control: ReturnType<typeof shutdownController>) {
  const { stopping, watch } = control;
  const dynamoDbLog = join(paths.logDir, "dynamodb-local.log");
  const motoLog = join(paths.logDir, "moto.log");
  const [dynamoDb, moto] = await step("Starting DynamoDB Local and moto", () =>
    Promise.all([
      startDynamoDbLocal({ dbPath: paths.dynamoDbData, logFile: createWriteStream(dynamoDbLog, { flags: "a" }) }),
      // moto keeps nothing on disk: it writes the API-keys secret to the backup before it acknowledges a change.
      startMoto({ logFile: createWriteStream(motoLog, { flags: "a" }), mirrorSecrets: { [localApiKeysSecretName(STAGE)]: paths.apiKeysBackup } }),
    ]),
  );
  stopping.push(
    () => dynamoDb.stop(),
    () => moto.stop(),
  );
  watch("DynamoDB Local", dynamoDb.process, dynamoDbLog);
  watch("moto", moto.process, motoLog);

  const cursorSecret = readIfExists(paths.cursorSecret) ?? randomBytes(32).toString("base64url");
  writeFileSync(paths.cursorSecret, cursorSecret, { mode: 0o600 });
  const { stage, apiKey } = await step("Creating the table, the API-keys secret and the cursor secret (kept from the last run)", async () => {
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
    return { stage, apiKey };
  });

  const iam = await startIamProxy({ stage });
  stopping.push(() => iam.stop());
  const api = await step("Bundling the functions with esbuild and starting the API Gateway emulator", () =>
    startLocalApi({
      stage,
      port,
      buildDir: paths.buildDir,
      logDir: paths.logDir,
      iamProxy: iam,
      documents: (url) => ({ [documentationPaths.openApiDocument]: openApiDocument({ serverUrl: url }) }),
      apiReference: { documentPath: documentationPaths.openApiDocument },
    }),
  );
  stopping.push(async () => {
    const { cutOff } = await api.stop();
    if (cutOff > 0) console.error(`${cutOff} request(s) were still unanswered when the drain time ran out; their connections were closed.`);
  });
  return { dynamoDb, moto, api, apiKey };
}

/** Writes the running file other commands read, and prints the banner: where the API is, its key, what to try. */
function announce(paths: Paths, started: Awaited<ReturnType<typeof startEverything>>) {
  const { dynamoDb, moto, api, apiKey } = started;
  const node = functionNode();
  if (node.warning) console.warn(`Warning: ${node.warning}`);
  // Pasted into another terminal (any directory), these reach this runner, whatever its data directory.
  const here = localCommandPrefix(paths.root);
  const running: RunningLocalApi = { pid: process.pid, url: api.url, motoEndpoint: moto.endpoint, dynamoDbEndpoint: dynamoDb.endpoint };
  writeFileSync(paths.runningFile, JSON.stringify(running, null, 2));
  console.log(`users-api is running locally (stage "${STAGE}", data in ${paths.root})

  Base URL   ${api.url}
  Functions  run on Node ${node.version} (Lambda: ${functionDefaults.runtime})
  API key    ${seedKeyLine(apiKey, paths.apiKey, process.stdout.isTTY === true)}

  Try:  curl -H "x-api-key: $(cat ${shellQuote(resolve(paths.apiKey))})" ${api.url}/users
  Docs: ${api.url}${documentationPaths.apiReference} (API reference)   ${api.url}${documentationPaths.openApiDocument} (OpenAPI 3.1)
  Logs: ${resolve(paths.logDir)}/<Function>.log
  More keys:  ${here}keys create --stage local --name reader-$(date +%s) --scopes users:read
  Ctrl-C stops everything (after answering the requests in flight); data and keys are kept for the next start.
ready`);
}

/** Runs `pnpm local` until it is told to stop (exit code 0) or an emulator dies (exit code 1). */
async function main(): Promise<number> {
  const paths = localPaths();
  const port = Number(process.env.PORT ?? 3000);
  const ready = await refuseOrLock(paths, port);
  if ("refused" in ready) return ready.refused;
  const control = shutdownController(paths, ready.lock);
  control.runStartup(async () => {
    const started = await startEverything(paths, port, ready.savedKeys, control);
    if (!control.shuttingDown()) announce(paths, started);
  });
  return control.finished;
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
