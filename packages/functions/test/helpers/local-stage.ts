import { randomBytes, randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { authorizer, routeList, routes } from "@users-api/core";
import { inject } from "vitest";
import { configuredEnvironment, lambdaFunctionName, localAwsEnvironment } from "@users-api/emulators/environment";
import { clientsFor, prepareLocalStage, type LocalEndpoints, type LocalStage } from "@users-api/emulators/stage";

export interface BoundStage extends LocalStage {
  /** The secret that signs list cursors, as stored in SSM. */
  readonly cursorSecret: string;
  /** The variables the functions were given, as SST sets them on AWS. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * What a function of this stage runs with: the variables the stack configures
 * (SST metadata, bindings, Powertools settings) for every function at once,
 * since one test file loads several handlers in one module graph; the ones
 * Lambda adds; and AWS endpoints and credentials for the emulators.
 */
export function functionEnvironment(stage: LocalStage, options: { functionId: string; dynamoDbEndpoint?: string }) {
  return {
    ...Object.fromEntries([...routeList, authorizer].flatMap((definition) => Object.entries(configuredEnvironment(definition, stage)))),
    SST_REGION: stage.region,
    AWS_REGION: stage.region,
    AWS_LAMBDA_FUNCTION_NAME: lambdaFunctionName(stage, options.functionId),
    ...localAwsEnvironment(stage),
    ...(options.dynamoDbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint } : {}),
    // Tests only: keep the run's output readable.
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  } satisfies Record<string, string>;
}

export const emulatorEndpoints = (): LocalEndpoints => ({ dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") });

/**
 * Prepares a fresh stage (its own table, API-keys secret and cursor secret)
 * on the emulators and sets `process.env` as SST would for its functions.
 * Import the handlers afterwards: they read their bindings at import.
 */
export async function bindFunctionsToNewStage(
  purpose: string,
  options: { functionId?: string; dynamoDbEndpoint?: string; environment?: Record<string, string> } = {},
): Promise<BoundStage> {
  const cursorSecret = randomBytes(32).toString("base64url");
  const stage = await prepareLocalStage({
    endpoints: emulatorEndpoints(),
    stage: `test-${purpose}-${randomUUID().slice(0, 8)}`,
    cursorSecret,
  });
  const environment = {
    ...functionEnvironment(stage, {
      functionId: options.functionId ?? routes.createUser.id,
      dynamoDbEndpoint: options.dynamoDbEndpoint,
    }),
    ...options.environment,
  };
  Object.assign(process.env, environment);
  return { ...stage, cursorSecret, environment };
}

/** A client of the emulators of a stage, for reading and arranging data behind the handlers' back. */
export function documentClientFor(stage: LocalStage): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(clientsFor(stage.endpoints).dynamoDb);
}

/** Every item of the stage's table (the tables of these tests are small). */
export async function allItems(client: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
