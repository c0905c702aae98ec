import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { allScopes, documentationPaths, findApiKey } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { createApiKey, readApiKeys, revokeApiKey } from "../api-keys.js";
import { startDynamoDbLocal } from "../emulators/dynamodb-local.js";
import { startMoto } from "../emulators/moto.js";
import { startLocalApi } from "../gateway/index.js";
import { startIamProxy } from "../iam/index.js";
import { localPaths, type RunningLocalApi } from "../local-paths.js";
import { clientsFor, prepareLocalStage } from "../stage.js";

/** The full-access key `pnpm local` seeds, so the API is usable right away. */
const SEED_KEY_NAME = "local-admin";
const STAGE = "local";
/** moto keeps secrets in memory: the API-keys secret is backed up this often and restored at start. */
const BACKUP_INTERVAL_MS = 1000;

const readIfExists = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

async function main() {
  const paths = localPaths();
  mkdirSync(paths.dynamoDbData, { recursive: true });
  mkdirSync(paths.logDir, { recursive: true });
  const port = Number(process.env.PORT ?? 3000);

  const stopping: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stopping.reverse()) await stop().catch(() => undefined);
    rmSync(paths.runningFile, { force: true });
  };
  let shuttingDown = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (shuttingDown) return;
      shuttingDown = true;
      console.log("\nStopping the local API and emulators...");
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    const [dynamoDb, moto] = await Promise.all([
      startDynamoDbLocal({ dbPath: paths.dynamoDbData, logFile: createWriteStream(join(paths.logDir, "dynamodb-local.log")) }),
      startMoto({ logFile: createWriteStream(join(paths.logDir, "moto.log")) }),
    ]);
    stopping.push(() => dynamoDb.stop(), () => moto.stop());

    const cursorSecret = readIfExists(paths.cursorSecret) ?? randomBytes(32).toString("base64url");
    writeFileSync(paths.cursorSecret, cursorSecret, { mode: 0o600 });
    const stage = await prepareLocalStage({ endpoints: { dynamoDb: dynamoDb.endpoint, moto: moto.endpoint }, stage: STAGE, cursorSecret });

    const { secretsManager } = clientsFor(stage.endpoints);
    const backup = readIfExists(paths.apiKeysBackup);
    if (backup) await secretsManager.send(new PutSecretValueCommand({ SecretId: stage.apiKeysSecretArn, SecretString: backup }));
    const apiKey = await ensureSeedKey(secretsManager, stage.apiKeysSecretArn, readIfExists(paths.apiKey));
    writeFileSync(paths.apiKey, apiKey, { mode: 0o600 });

    const backUpKeys = async () => {
      const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: stage.apiKeysSecretArn }));
      if (SecretString && SecretString !== readIfExists(paths.apiKeysBackup)) writeFileSync(paths.apiKeysBackup, SecretString, { mode: 0o600 });
    };
    await backUpKeys();
    const backupTimer = setInterval(() => void backUpKeys().catch(() => undefined), BACKUP_INTERVAL_MS);
    stopping.push(async () => {
      clearInterval(backupTimer);
      await backUpKeys().catch(() => undefined);
    });

    const iam = await startIamProxy({ stage });
    stopping.push(() => iam.stop());
    const api = await startLocalApi({
      stage,
      port,
      buildDir: paths.buildDir,
      logDir: paths.logDir,
      awsEnvironmentFor: iam.environmentFor,
      documents: (url) => ({ [documentationPaths.openApiDocument]: openApiDocument({ serverUrl: url }) }),
    });
    stopping.push(() => api.stop());

    const running: RunningLocalApi = { pid: process.pid, url: api.url, motoEndpoint: moto.endpoint, dynamoDbEndpoint: dynamoDb.endpoint };
    writeFileSync(paths.runningFile, JSON.stringify(running, null, 2));

    console.log(`users-api is running locally (stage "${STAGE}", data in ${paths.root})

  Base URL   ${api.url}
  API key    ${apiKey}   (full access; also in ${paths.apiKey})

  Try:  curl -H "x-api-key: $(cat ${paths.apiKey})" ${api.url}/users
  Docs: ${api.url}${documentationPaths.openApiDocument} (OpenAPI 3.1)
  Logs: ${paths.logDir}/<Function>.log   More keys: pnpm keys create --stage local --name <name> --scopes users:read
  Ctrl-C stops everything; data and keys are kept for the next start.
ready`);
  } catch (error) {
    console.error("Could not start the local API:", error);
    await stopAll();
    process.exit(1);
  }
}

/** Keeps the seeded key across restarts; makes a new one when its saved copy is gone. */
async function ensureSeedKey(client: ReturnType<typeof clientsFor>["secretsManager"], secretId: string, savedKey: string | undefined) {
  const store = await readApiKeys(client, secretId);
  if (savedKey && findApiKey(store, savedKey.trim())) return savedKey.trim();
  if (store.keys.some((record) => record.name === SEED_KEY_NAME)) await revokeApiKey(client, secretId, SEED_KEY_NAME);
  return (await createApiKey(client, secretId, SEED_KEY_NAME, allScopes)).key;
}

void main();
