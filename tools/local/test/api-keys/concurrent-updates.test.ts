import { randomUUID } from "node:crypto";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { findApiKey } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey, ensureApiKeysSecret, readApiKeys, revokeApiKey } from "@users-api/emulators/api-keys";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@users-api/emulators/stage";

/** Each writer has its own client, as separate `pnpm keys` processes would. */
const newClient = () => new SecretsManagerClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: inject("motoEndpoint") });

describe("API-key updates racing each other", () => {
  const clients: SecretsManagerClient[] = [];
  let secretId: string;

  beforeAll(async () => {
    const client = newClient();
    clients.push(client);
    secretId = await ensureApiKeysSecret(client, `racing-keys-${randomUUID()}`);
  });

  afterAll(() => {
    for (const client of clients) client.destroy();
  });

  it("loses no create and no revoke when 24 creates and 12 revokes run at once", async () => {
    const setup = newClient();
    clients.push(setup);
    const doomed = [];
    for (let index = 0; index < 12; index++) doomed.push(await createApiKey(setup, secretId, `doomed-${index}`, ["users:read"]));

    const creates = Array.from({ length: 24 }, (_, index) => {
      const client = newClient();
      clients.push(client);
      return createApiKey(client, secretId, `racer-${index}`, ["users:read", "users:write"]);
    });
    const revokes = doomed.map(({ record }) => {
      const client = newClient();
      clients.push(client);
      return revokeApiKey(client, secretId, record.name);
    });
    const created = await Promise.all(creates);
    await Promise.all(revokes);

    const store = await readApiKeys(setup, secretId);
    for (const { key, record } of created) expect(findApiKey(store, key), record.name).toMatchObject({ name: record.name });
    for (const { key, record } of doomed) expect(findApiKey(store, key), record.name).toBeUndefined();
    expect(store.keys.map((record) => record.name).sort()).toEqual(created.map(({ record }) => record.name).sort());
  });

  it("lets exactly one of two racing creates of one name win", async () => {
    const [first, second] = [newClient(), newClient()];
    clients.push(first, second);
    const outcomes = await Promise.allSettled([
      createApiKey(first, secretId, "contested", ["users:read"]),
      createApiKey(second, secretId, "contested", ["users:read"]),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === "rejected")).toMatchObject({ reason: { message: 'A key named "contested" already exists.' } });
    expect((await readApiKeys(first, secretId)).keys.filter((record) => record.name === "contested")).toHaveLength(1);
  });
});
