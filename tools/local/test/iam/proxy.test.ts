import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { bindings, itemKeys } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoDbTableArn, LOCAL_ACCOUNT_ID, ssmParameterArn, sstSecretParameterPaths, startIamProxy, type IamProxy } from "../../src/iam/index.js";
import { localPaths } from "../../src/local-paths.js";
import { clientsFor, prepareLocalStage, type LocalStage } from "@users-api/emulators/stage";

const cursorSecret = `cursor-${randomUUID()}`;
let stage: LocalStage;
let iam: IamProxy;
let admin: ReturnType<typeof clientsFor>;
let tableArn: string;
let cursorParameter: string;

beforeAll(async () => {
  const endpoints = { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") };
  stage = await prepareLocalStage({ endpoints, stage: `iam${randomUUID().slice(0, 8)}`, cursorSecret });
  iam = await startIamProxy({ stage });
  admin = clientsFor(endpoints);
  tableArn = dynamoDbTableArn({ region: stage.region, account: LOCAL_ACCOUNT_ID }, stage.tableName);
  cursorParameter = sstSecretParameterPaths(stage.app, stage.stage, bindings.cursorSecret.id)[0];
});

afterAll(async () => {
  await iam?.stop();
  for (const client of Object.values(admin ?? {})) client.destroy();
});

/** SDK clients configured only from the variables a function is started with. */
function clientsOf(environment: Record<string, string>) {
  const variable = (name: string) => {
    const value = environment[name];
    if (value === undefined) throw new Error(`environmentFor gave no ${name}`);
    return value;
  };
  const common = {
    region: variable("AWS_REGION"),
    maxAttempts: 1,
    credentials: {
      accessKeyId: variable("AWS_ACCESS_KEY_ID"),
      secretAccessKey: variable("AWS_SECRET_ACCESS_KEY"),
      sessionToken: variable("AWS_SESSION_TOKEN"),
    },
  };
  const dynamoDb = new DynamoDBClient({ ...common, endpoint: variable("AWS_ENDPOINT_URL_DYNAMODB") });
  return {
    dynamoDb,
    documents: DynamoDBDocumentClient.from(dynamoDb),
    secretsManager: new SecretsManagerClient({ ...common, endpoint: variable("AWS_ENDPOINT_URL_SECRETS_MANAGER") }),
    ssm: new SSMClient({ ...common, endpoint: variable("AWS_ENDPOINT_URL_SSM") }),
  };
}

const clientsAs = (functionId: string) => clientsOf(iam.environmentFor(functionId));

const deniedMessage = (functionId: string, action: string, resource: string) =>
  `User: arn:aws:sts::123456789012:assumed-role/${functionId}Role/${functionId} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

const userItem = (userId: string) => ({
  ...itemKeys.user(userId),
  listPk: itemKeys.listPartition,
  listSk: itemKeys.listSortKey(new Date().toISOString(), userId),
});

describe("DynamoDB", () => {
  it("lets GetUser read an item but denies it PutItem with AccessDeniedException", async () => {
    const userId = randomUUID();
    const { documents } = clientsAs("GetUser");
    await DynamoDBDocumentClient.from(admin.dynamoDb).send(new PutCommand({ TableName: stage.tableName, Item: userItem(userId) }));

    const { Item } = await documents.send(new GetCommand({ TableName: stage.tableName, Key: itemKeys.user(userId) }));

    expect(Item).toMatchObject(itemKeys.user(userId));
    await expect(documents.send(new PutCommand({ TableName: stage.tableName, Item: userItem(randomUUID()) }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("GetUser", "dynamodb:PutItem", tableArn),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("lets ListUsers Query the byCreatedAt index but not the base table", async () => {
    const { documents } = clientsAs("ListUsers");
    const queryOn = (indexName: string | undefined, key: string, value: string) =>
      documents.send(
        new QueryCommand({
          TableName: stage.tableName,
          IndexName: indexName,
          KeyConditionExpression: `${key} = :value`,
          ExpressionAttributeValues: { ":value": value },
        }),
      );

    await expect(queryOn("byCreatedAt", "listPk", itemKeys.listPartition)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    await expect(queryOn(undefined, "pk", itemKeys.user("x").pk)).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("ListUsers", "dynamodb:Query", tableArn),
    });
  });

  it("denies a whole TransactWriteItems when one item needs an action not granted, and writes nothing", async () => {
    const userId = randomUUID();
    const { documents } = clientsAs("ReplaceUser");

    const transaction = documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: stage.tableName, Item: userItem(userId) } },
          {
            Update: {
              TableName: stage.tableName,
              Key: itemKeys.emailGuard(`${userId}@example.com`),
              UpdateExpression: "SET userId = :id",
              ExpressionAttributeValues: { ":id": userId },
            },
          },
        ],
      }),
    );

    await expect(transaction).rejects.toMatchObject({ name: "AccessDeniedException", message: deniedMessage("ReplaceUser", "dynamodb:UpdateItem", tableArn) });
    const { Item } = await DynamoDBDocumentClient.from(admin.dynamoDb).send(new GetCommand({ TableName: stage.tableName, Key: itemKeys.user(userId) }));
    expect(Item).toBeUndefined();
    expect(iam.usage()).not.toContainEqual({ functionId: "ReplaceUser", action: "dynamodb:PutItem", resource: tableArn });
  });

  it("forwards a TransactWriteItems whose every item is granted, and both writes land", async () => {
    const userId = randomUUID();
    const { documents } = clientsAs("CreateUser");

    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: stage.tableName, Item: userItem(userId), ConditionExpression: "attribute_not_exists(pk)" } },
          { Put: { TableName: stage.tableName, Item: { ...itemKeys.emailGuard(`${userId}@example.com`), userId } } },
        ],
      }),
    );

    const { Item } = await DynamoDBDocumentClient.from(admin.dynamoDb).send(
      new GetCommand({ TableName: stage.tableName, Key: itemKeys.emailGuard(`${userId}@example.com`) }),
    );
    expect(Item).toMatchObject({ userId });
  });

  it("denies DescribeTable, an action no route is granted", async () => {
    const { dynamoDb } = clientsAs("CreateUser");
    await expect(dynamoDb.send(new DescribeTableCommand({ TableName: stage.tableName }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("CreateUser", "dynamodb:DescribeTable", tableArn),
    });
  });
});

describe("Secrets Manager", () => {
  it("lets the authorizer read its secret by ARN and by name", async () => {
    const { secretsManager } = clientsAs("Authorizer");
    const name = stage.apiKeysSecretArn.split(":secret:")[1]?.slice(0, -7) ?? "";

    const byArn = await secretsManager.send(new GetSecretValueCommand({ SecretId: stage.apiKeysSecretArn }));
    const byName = await secretsManager.send(new GetSecretValueCommand({ SecretId: name }));

    expect(JSON.parse(byArn.SecretString ?? "")).toEqual({ keys: [] });
    expect(byName.ARN).toBe(stage.apiKeysSecretArn);
  });

  it("denies the authorizer another secret, naming the secret's full ARN", async () => {
    const { ARN } = await admin.secretsManager.send(new CreateSecretCommand({ Name: `users-api/${stage.stage}/other`, SecretString: "nope" }));
    const { secretsManager } = clientsAs("Authorizer");

    const read = secretsManager.send(new GetSecretValueCommand({ SecretId: `users-api/${stage.stage}/other` }));

    await expect(read).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("Authorizer", "secretsmanager:GetSecretValue", ARN ?? ""),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("gives the authorizer no DynamoDB access and routes no access to the API-keys secret", async () => {
    const authorizer = clientsAs("Authorizer");
    const route = clientsAs("GetUser");

    await expect(authorizer.documents.send(new GetCommand({ TableName: stage.tableName, Key: itemKeys.user("x") }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("Authorizer", "dynamodb:GetItem", tableArn),
    });
    await expect(route.secretsManager.send(new GetSecretValueCommand({ SecretId: stage.apiKeysSecretArn }))).rejects.toMatchObject({
      name: "AccessDeniedException",
    });
  });
});

describe("SSM", () => {
  it("lets ListUsers, bound to the cursor secret, read both of its paths", async () => {
    const { ssm } = clientsAs("ListUsers");
    const paths = sstSecretParameterPaths(stage.app, stage.stage, bindings.cursorSecret.id);

    const { Parameters = [], InvalidParameters = [] } = await ssm.send(new GetParametersCommand({ Names: [...paths], WithDecryption: true }));

    expect(Parameters.map(({ Name, Value }) => ({ Name, Value }))).toEqual([{ Name: paths[0], Value: cursorSecret }]);
    expect(InvalidParameters).toEqual([paths[1]]);
  });

  it("denies GetParameters on the cursor secret to GetUser, which is not bound to it", async () => {
    const { ssm } = clientsAs("GetUser");
    const read = ssm.send(new GetParametersCommand({ Names: [cursorParameter], WithDecryption: true }));
    await expect(read).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: deniedMessage("GetUser", "ssm:GetParameters", ssmParameterArn({ region: stage.region, account: LOCAL_ACCOUNT_ID }, cursorParameter)),
    });
  });
});

describe("identities", () => {
  it.each([
    ["DynamoDB", (clients: ReturnType<typeof clientsOf>) => clients.dynamoDb.send(new DescribeTableCommand({ TableName: stage.tableName }))],
    [
      "Secrets Manager",
      (clients: ReturnType<typeof clientsOf>) => clients.secretsManager.send(new GetSecretValueCommand({ SecretId: stage.apiKeysSecretArn })),
    ],
    ["SSM", (clients: ReturnType<typeof clientsOf>) => clients.ssm.send(new GetParametersCommand({ Names: [cursorParameter] }))],
  ])("%s rejects credentials no function holds with UnrecognizedClientException", async (_, call) => {
    const stranger = clientsOf({ ...iam.environmentFor("ListUsers"), AWS_ACCESS_KEY_ID: "ASIAUNKNOWN0000000" });
    await expect(call(stranger)).rejects.toMatchObject({ name: "UnrecognizedClientException", $metadata: { httpStatusCode: 400 } });
  });

  it("rejects an unsigned request with MissingAuthenticationTokenException", async () => {
    const response = await fetch(iam.environmentFor("GetUser").AWS_ENDPOINT_URL_DYNAMODB ?? "", {
      method: "POST",
      headers: { "x-amz-target": "DynamoDB_20120810.ListTables", "content-type": "application/x-amz-json-1.0" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "com.amazon.coral.service#MissingAuthenticationTokenException" });
  });

  it("gives every function its own access key id", () => {
    const keys = ["ListUsers", "CreateUser", "GetUser", "ReplaceUser", "PatchUser", "DeleteUser", "Authorizer"].map(
      (id) => iam.environmentFor(id).AWS_ACCESS_KEY_ID,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("refuses to give variables for a function it does not know", () => {
    expect(() => iam.environmentFor("Nobody")).toThrow(/Nobody/);
  });
});

describe("usage and denials", () => {
  it("records each allowed call as function, action and resource, and each denied one apart", async () => {
    const userId = randomUUID();
    const { documents } = clientsAs("DeleteUser");

    await documents.send(new GetCommand({ TableName: stage.tableName, Key: itemKeys.user(userId) }));
    await expect(documents.send(new PutCommand({ TableName: stage.tableName, Item: userItem(userId) }))).rejects.toThrow();

    expect(iam.usage()).toContainEqual({ functionId: "DeleteUser", action: "dynamodb:GetItem", resource: tableArn });
    expect(iam.usage()).not.toContainEqual(expect.objectContaining({ functionId: "DeleteUser", action: "dynamodb:PutItem" }));
    expect(iam.denials()).toContainEqual({ functionId: "DeleteUser", action: "dynamodb:PutItem", resource: tableArn });
  });
});

describe("sst/node/config in a function process", () => {
  const execFileAsync = promisify(execFile);
  /** What a Lambda running the function would have: SST's variables plus the proxy's AWS ones, nothing inherited. */
  const loadCursorSecretAs = (functionId: string) =>
    execFileAsync(
      process.execPath,
      ["--input-type=module", "-e", `import { Config } from "sst/node/config"; process.stdout.write(Config.${bindings.cursorSecret.id});`],
      {
        cwd: localPaths().repositoryRoot,
        timeout: 30_000,
        env: {
          PATH: process.env.PATH,
          SST_APP: stage.app,
          SST_STAGE: stage.stage,
          SST_REGION: stage.region,
          SST_SSM_PREFIX: `/sst/${stage.app}/${stage.stage}/`,
          [`SST_${bindings.cursorSecret.construct}_${bindings.cursorSecret.prop}_${bindings.cursorSecret.id}`]: "__FETCH_FROM_SSM__",
          ...iam.environmentFor(functionId),
        },
      },
    );

  it("loads the cursor secret from SSM through the proxy for ListUsers", async () => {
    const { stdout } = await loadCursorSecretAs("ListUsers");
    expect(stdout).toBe(cursorSecret);
  });

  it("fails to start GetUser with the secret bound but not granted, as on AWS", async () => {
    await expect(loadCursorSecretAs("GetUser")).rejects.toMatchObject({
      stderr: expect.stringContaining(
        `AccessDeniedException: ${deniedMessage("GetUser", "ssm:GetParameters", ssmParameterArn({ region: stage.region, account: LOCAL_ACCOUNT_ID }, cursorParameter))}`,
      ),
    });
  });
});
