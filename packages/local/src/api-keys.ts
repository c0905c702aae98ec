import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ApiKeyStore, emptyApiKeyStore, generateApiKey, type ApiKeyRecord, type Scope } from "@users-api/core";

/** Reads the key records from the API-keys secret (an unset secret holds no keys). */
export async function readApiKeys(client: SecretsManagerClient, secretId: string): Promise<ApiKeyStore> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString || SecretString.trim() === "{}") return emptyApiKeyStore;
  return ApiKeyStore.parse(JSON.parse(SecretString));
}

async function writeApiKeys(client: SecretsManagerClient, secretId: string, store: ApiKeyStore) {
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(ApiKeyStore.parse(store)) }));
}

/** Creates the secret with no keys when it does not exist yet (local stages only; on AWS the stack creates it). */
export async function ensureApiKeysSecret(client: SecretsManagerClient, name: string): Promise<string> {
  try {
    const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(emptyApiKeyStore) }));
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
  const store = await readApiKeys(client, secretId);
  if (store.keys.some((record) => record.name === name)) throw new Error(`A key named "${name}" already exists.`);
  const { key, record } = generateApiKey(name, scopes);
  await writeApiKeys(client, secretId, { keys: [...store.keys, record] });
  return { key, record };
}

/** Lists the key records (names, scopes, creation times; never keys). */
export async function listApiKeys(client: SecretsManagerClient, secretId: string): Promise<readonly ApiKeyRecord[]> {
  return (await readApiKeys(client, secretId)).keys;
}

/** Removes a key; the authorizer stops accepting it once its cache (at most a minute) expires. */
export async function revokeApiKey(client: SecretsManagerClient, secretId: string, name: string): Promise<ApiKeyRecord> {
  const store = await readApiKeys(client, secretId);
  const revoked = store.keys.find((record) => record.name === name);
  if (!revoked) throw new Error(`No key is named "${name}".`);
  await writeApiKeys(client, secretId, { keys: store.keys.filter((record) => record !== revoked) });
  return revoked;
}
