import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startMoto } from "@users-api/emulators/moto";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@users-api/emulators/stage";

const clientOf = (endpoint: string) => new SecretsManagerClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint });

/** A new secret holding `value`, and the id of its current version. */
async function newSecret(client: SecretsManagerClient, value: string) {
  const name = `launcher-${randomUUID()}`;
  const { VersionId } = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { name, versionId: VersionId ?? "" };
}

/** Writes `value` as a version that only a private label marks, as `pnpm keys` does before it moves AWSCURRENT. */
async function putPending(client: SecretsManagerClient, name: string, value: string) {
  const { VersionId } = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, VersionStages: [`pending-${randomUUID()}`] }));
  return VersionId ?? "";
}

const moveCurrent = (client: SecretsManagerClient, name: string, from: string, to: string) =>
  client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: "AWSCURRENT", RemoveFromVersionId: from, MoveToVersionId: to }));

describe("moto_server as the local stages run it", () => {
  const client = clientOf(inject("motoEndpoint"));
  afterAll(() => client.destroy());

  it("serves the version AWSCURRENT was moved to, as GetSecretValue does on AWS", async () => {
    const { name, versionId } = await newSecret(client, "first");
    const next = await putPending(client, name, "second");

    await moveCurrent(client, name, versionId, next);

    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect({ value: current.SecretString, versionId: current.VersionId }).toEqual({ value: "second", versionId: next });
    const third = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: "third" }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }))).VersionId).toBe(next);
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).VersionId).toBe(third.VersionId);
  });

  it("refuses to move AWSCURRENT from a version it has already left", async () => {
    const { name, versionId } = await newSecret(client, "first");
    await moveCurrent(client, name, versionId, await putPending(client, name, "winner"));

    await expect(moveCurrent(client, name, versionId, await putPending(client, name, "loser"))).rejects.toThrow();
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe("winner");
  });

  it("lets exactly one of 30 concurrent moves from the same version succeed", async () => {
    const { name, versionId } = await newSecret(client, "first");
    const candidates = await Promise.all(Array.from({ length: 30 }, (_, index) => putPending(client, name, `candidate-${index}`)));
    const clients = candidates.map(() => clientOf(inject("motoEndpoint")));

    const outcomes = await Promise.allSettled(candidates.map((candidate, index) => moveCurrent(clients[index]!, name, versionId, candidate)));

    const winners = candidates.filter((_, index) => outcomes[index]?.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ name: "InvalidParameterException" });
    expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).VersionId).toBe(winners[0]);
    for (const other of clients) other.destroy();
  });

  it("writes a mirrored secret's current value to its file before it answers, so the value survives kill -9", async () => {
    const directory = mkdtempSync(join(tmpdir(), "users-api-mirror-"));
    const file = join(directory, "mirror.json");
    const name = "mirrored-secret";
    const moto = await startMoto({ mirrorSecrets: { [name]: file } });
    const mirrored = clientOf(moto.endpoint);
    try {
      const { VersionId: first } = await mirrored.send(new CreateSecretCommand({ Name: name, SecretString: "created" }));
      expect(readFileSync(file, "utf8")).toBe("created");
      const pending = await putPending(mirrored, name, "pending");
      expect(readFileSync(file, "utf8")).toBe("created");

      await moveCurrent(mirrored, name, first ?? "", pending);
      moto.process.child.kill("SIGKILL");

      expect(readFileSync(file, "utf8")).toBe("pending");
    } finally {
      mirrored.destroy();
      await moto.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
