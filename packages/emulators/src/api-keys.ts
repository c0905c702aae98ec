import { randomUUID } from "node:crypto";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ApiKeyStore, emptyApiKeyStore, generateApiKey, type ApiKeyRecord, type Scope } from "@users-api/core";

/** The staging label Secrets Manager serves by default, and the one every reader of the keys reads. */
const CURRENT = "AWSCURRENT";
/** Prefix of the private staging label that marks a written but not yet current version. */
export const PENDING_LABEL_PREFIX = "users-api-keys-pending-";
/** A writer that keeps losing races gives up after this many attempts (each round of a race has one winner). */
const MAX_ATTEMPTS = 40;
const MAX_BACKOFF_MS = 1000;

/** Parses the secret's value (an unset secret holds no keys). */
const parseStore = (secretString: string | undefined): ApiKeyStore =>
  !secretString || secretString.trim() === "{}" ? emptyApiKeyStore : ApiKeyStore.parse(JSON.parse(secretString));

async function readCurrentVersion(client: SecretsManagerClient, secretId: string): Promise<{ versionId: string; store: ApiKeyStore }> {
  const { SecretString, VersionId } = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT }));
  if (!VersionId) throw new Error(`Secrets Manager returned no version id for ${secretId}`);
  return { versionId: VersionId, store: parseStore(SecretString) };
}

/** Reads the key records from the API-keys secret's current version. */
export async function readApiKeys(client: SecretsManagerClient, secretId: string): Promise<ApiKeyStore> {
  return (await readCurrentVersion(client, secretId)).store;
}

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 25 * 2 ** attempt)));

/**
 * Changes the stored keys without losing a concurrent change (optimistic
 * compare-and-swap on the secret's versions): read the current version, write
 * the changed store as a new version under a private staging label, then move
 * AWSCURRENT to it with `RemoveFromVersionId` set to the version read. Secrets
 * Manager refuses that move if AWSCURRENT is no longer on the version read
 * (someone else wrote meanwhile); then the change is made again on a fresh read.
 * `change` may throw to refuse (e.g. a name already taken); it sees the latest keys.
 */
export async function changeApiKeys<T>(
  client: SecretsManagerClient,
  secretId: string,
  change: (store: ApiKeyStore) => { readonly store: ApiKeyStore; readonly result: T },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const read = await readCurrentVersion(client, secretId);
    const { store, result } = change(read.store);
    const pendingLabel = `${PENDING_LABEL_PREFIX}${randomUUID()}`;
    const { VersionId: written } = await client.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(ApiKeyStore.parse(store)), VersionStages: [pendingLabel] }),
    );
    if (!written) throw new Error(`Secrets Manager returned no version id for ${secretId}`);
    try {
      await client.send(
        new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: CURRENT, MoveToVersionId: written, RemoveFromVersionId: read.versionId }),
      );
      return result;
    } catch (error) {
      // Only a lost race is retried: anything else (access denied, throttling after the SDK's retries) is the caller's to see.
      const lostRace = (await readCurrentVersion(client, secretId)).versionId !== read.versionId;
      if (!lostRace || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    } finally {
      // The private label has done its job; a version left with no label is deprecated and removed by Secrets Manager.
      await client
        .send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: pendingLabel, RemoveFromVersionId: written }))
        .catch(() => undefined);
    }
  }
}

/**
 * Creates the secret when it does not exist yet (local stages only; on AWS the stack creates it),
 * holding `initialValue` (a stored key list, e.g. a backup) or no keys.
 */
export async function ensureApiKeysSecret(client: SecretsManagerClient, name: string, initialValue?: string): Promise<string> {
  const secretString = JSON.stringify(initialValue === undefined ? emptyApiKeyStore : parseStore(initialValue));
  try {
    const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
    if (!ARN) throw new Error(`Secrets Manager returned no ARN for ${name}`);
    return ARN;
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    const { ARN } = await client.send(new GetSecretValueCommand({ SecretId: name }));
    if (!ARN) throw new Error(`Secrets Manager returned no ARN for ${name}`);
    return ARN;
  }
}

/** Adds a new key and returns it: the only time the key itself is ever seen. */
export async function createApiKey(client: SecretsManagerClient, secretId: string, name: string, scopes: readonly Scope[]) {
  const created = generateApiKey(name, scopes);
  return changeApiKeys(client, secretId, (store) => {
    if (store.keys.some((record) => record.name === name)) throw new Error(`A key named "${name}" already exists.`);
    return { store: { keys: [...store.keys, created.record] }, result: created };
  });
}

/** Lists the key records (names, scopes, creation times; never keys). */
export async function listApiKeys(client: SecretsManagerClient, secretId: string): Promise<readonly ApiKeyRecord[]> {
  return (await readApiKeys(client, secretId)).keys;
}

/** Removes a key; the authorizer stops accepting it once its cache (at most a minute) expires. */
export async function revokeApiKey(client: SecretsManagerClient, secretId: string, name: string): Promise<ApiKeyRecord> {
  return changeApiKeys(client, secretId, (store) => {
    const revoked = store.keys.find((record) => record.name === name);
    if (!revoked) throw new Error(`No key is named "${name}".`);
    return { store: { keys: store.keys.filter((record) => record !== revoked) }, result: revoked };
  });
}
