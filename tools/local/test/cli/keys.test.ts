import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { APP_NAME, bindings, findApiKey, sstParameterPath } from "@users-api/core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ensureApiKeysSecret, readApiKeys } from "@users-api/emulators/api-keys";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@users-api/emulators/stage";
import { runCli } from "./run-cli.js";

// A deployed stage: the stack created the secret and SST wrote its ARN to SSM; the CLI uses the
// environment's AWS settings (here: moto).
const stage = `keys-cli-${process.pid}`;
const awsEnvironment = () => ({
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: inject("motoEndpoint"),
  AWS_ENDPOINT_URL_SSM: inject("motoEndpoint"),
});

describe("pnpm keys against a deployed stage", () => {
  let secrets: SecretsManagerClient;
  let secretId: string;

  beforeAll(async () => {
    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: inject("motoEndpoint") };
    secrets = new SecretsManagerClient(clientConfig);
    secretId = await ensureApiKeysSecret(secrets, `CloudFormationNamed-${stage}`);
    const ssm = new SSMClient(clientConfig);
    await ssm.send(new PutParameterCommand({ Name: sstParameterPath(APP_NAME, stage, bindings.apiKeysSecretArn), Value: secretId, Type: "String" }));
    ssm.destroy();
  });

  it("creates a key, prints it once and stores only its hash", async () => {
    const result = await runCli("keys", ["create", "--stage", stage, "--name", "mobile-app", "--scopes", "users:read,users:write"], awsEnvironment());

    expect(result.code).toBe(0);
    const key = result.stdout.trim().split("\n").at(-1) ?? "";
    expect(key).toMatch(/^uak_[A-Za-z0-9_-]{43}$/);
    const store = await readApiKeys(secrets, secretId);
    expect(findApiKey(store, key)).toMatchObject({ name: "mobile-app", scopes: ["users:read", "users:write"] });
    expect(JSON.stringify(store)).not.toContain(key);
  });

  it("lists names, scopes and creation times, never keys or hashes", async () => {
    await runCli("keys", ["create", "--stage", stage, "--name", "reporting", "--scopes", "users:read"], awsEnvironment());

    const result = await runCli("keys", ["list", "--stage", stage], awsEnvironment());

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^reporting\tusers:read\t\d{4}-\d\d-\d\dT/m);
    const store = await readApiKeys(secrets, secretId);
    for (const record of store.keys) expect(result.stdout).not.toContain(record.hash);
  });

  it("revokes a key by name so it no longer matches", async () => {
    const created = await runCli("keys", ["create", "--stage", stage, "--name", "old-partner", "--scopes", "users:read"], awsEnvironment());
    const key = created.stdout.trim().split("\n").at(-1) ?? "";

    const result = await runCli("keys", ["revoke", "--stage", stage, "--name", "old-partner"], awsEnvironment());

    expect(result.code).toBe(0);
    expect(findApiKey(await readApiKeys(secrets, secretId), key)).toBeUndefined();
  });

  it("loses no key when several people create and revoke keys at the same time", async () => {
    const doomed = [];
    for (const name of ["retired-1", "retired-2", "retired-3"]) {
      const created = await runCli("keys", ["create", "--stage", stage, "--name", name, "--scopes", "users:read"], awsEnvironment());
      doomed.push(created.stdout.trim().split("\n").at(-1) ?? "");
    }

    const [creates, revokes] = await Promise.all([
      Promise.all(
        ["team-a", "team-b", "team-c", "team-d", "team-e", "team-f"].map((name) =>
          runCli("keys", ["create", "--stage", stage, "--name", name, "--scopes", "users:read"], awsEnvironment()),
        ),
      ),
      Promise.all(["retired-1", "retired-2", "retired-3"].map((name) => runCli("keys", ["revoke", "--stage", stage, "--name", name], awsEnvironment()))),
    ]);

    expect([...creates, ...revokes].map((result) => result.code)).toEqual(Array(9).fill(0));
    const store = await readApiKeys(secrets, secretId);
    for (const result of creates) {
      expect(result.stdout).toMatch(/^Created key "team-\w"/m);
      expect(findApiKey(store, result.stdout.trim().split("\n").at(-1) ?? "")).toBeDefined();
    }
    for (const key of doomed) expect(findApiKey(store, key)).toBeUndefined();
  });

  it.each([
    [["create", "--stage", stage, "--name", "x", "--scopes", "users:admin"], /Unknown scope "users:admin"/],
    [
      ["create", "--stage", stage, "--name", "mobile-app", "--scopes", "users:read"],
      new RegExp(
        `^A key named "mobile-app" already exists on stage ${stage}: choose another --name, or revoke it first with pnpm keys revoke --stage ${stage} --name mobile-app\\.`,
      ),
    ],
    [["revoke", "--stage", stage, "--name", "nobody"], /No key is named "nobody"/],
    [["list", "--stage", stage, "--verbose"], /^Unknown option '--verbose'/],
    [["create", "--name", "x", "--scopes", "users:read"], /--stage is required/],
    [["rotate", "--stage", stage], /Unknown command "rotate"/],
    [["list", "--stage", "never-deployed"], /Stage "never-deployed" has no API-keys secret: deploy it first/],
  ])("refuses %j with a clear message in one line (no stack trace) and a non-zero exit", async (args, message) => {
    const result = await runCli("keys", args, awsEnvironment());

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
