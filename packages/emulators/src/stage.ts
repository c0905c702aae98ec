import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { APP_NAME, DEFAULT_REGION, bindings, sstParameterPath } from "@users-api/core";
import { ensureApiKeysSecret } from "./api-keys.js";
import { createUsersTable } from "./table.js";

export { APP_NAME };
export const LOCAL_REGION = DEFAULT_REGION;
/** The emulators accept any credentials; these are never real. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

export interface LocalEndpoints {
  readonly dynamoDb: string;
  /** moto_server: Secrets Manager and SSM. */
  readonly moto: string;
}

/** What a local stage's functions are bound to, as SST would bind them on AWS. */
export interface LocalStage {
  readonly app: string;
  readonly stage: string;
  readonly region: string;
  readonly endpoints: LocalEndpoints;
  readonly tableName: string;
  readonly apiKeysSecretArn: string;
}

export const clientsFor = (endpoints: LocalEndpoints) => {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    dynamoDb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamoDb }),
    secretsManager: new SecretsManagerClient({ ...common, endpoint: endpoints.moto }),
    ssm: new SSMClient({ ...common, endpoint: endpoints.moto }),
  };
};

/** SSM path where SST keeps a `Config.Secret` value for a stage (what `sst secrets set` writes). */
export const secretParameterPath = (app: string, stage: string, secretId: string) =>
  sstParameterPath(app, stage, { construct: "Secret", id: secretId, prop: "value" });

/** Name of a local stage's API-keys secret (on AWS, CloudFormation names it). */
export const localApiKeysSecretName = (stage: string) => `${APP_NAME}/${stage}/api-keys`;

/**
 * Creates what the stacks would create for a stage, on the emulators: the
 * users table, the API-keys secret, and the cursor-signing secret in SSM.
 * Safe to call again on existing data.
 */
export async function prepareLocalStage(options: {
  endpoints: LocalEndpoints;
  stage: string;
  cursorSecret: string;
  tableName?: string;
  /** What a new API-keys secret starts with (a saved key list); no keys when absent. */
  apiKeys?: string;
}): Promise<LocalStage> {
  const { endpoints, stage } = options;
  const clients = clientsFor(endpoints);
  const tableName = options.tableName ?? `${stage}-${APP_NAME}-Users`;
  await createUsersTable(clients.dynamoDb, tableName);
  const apiKeysSecretArn = await ensureApiKeysSecret(clients.secretsManager, localApiKeysSecretName(stage), options.apiKeys);
  const parameters = [
    // What `sst deploy` writes for the Config.Parameter, and `sst secrets set` for the Config.Secret.
    { Name: sstParameterPath(APP_NAME, stage, bindings.apiKeysSecretArn), Value: apiKeysSecretArn, Type: "String" as const },
    { Name: sstParameterPath(APP_NAME, stage, bindings.cursorSecret), Value: options.cursorSecret, Type: "SecureString" as const },
  ];
  for (const parameter of parameters) await clients.ssm.send(new PutParameterCommand({ ...parameter, Overwrite: true }));
  for (const client of Object.values(clients)) client.destroy();
  return { app: APP_NAME, stage, region: LOCAL_REGION, endpoints, tableName, apiKeysSecretArn };
}
