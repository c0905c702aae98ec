import { randomBytes } from "node:crypto";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { UserStore } from "@users-api/core";
import { startDynamoDbLocal } from "@users-api/emulators/dynamodb-local";
import { startMoto } from "@users-api/emulators/moto";
import { clientsFor, prepareLocalStage, type LocalEndpoints, type LocalStage } from "@users-api/emulators/stage";

/** In-memory DynamoDB Local and moto_server, as the tests run them. */
export interface Emulators {
  readonly endpoints: LocalEndpoints;
  stop(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const [dynamoDb, moto] = await Promise.allSettled([startDynamoDbLocal(), startMoto()]);
  if (dynamoDb.status === "rejected" || moto.status === "rejected") {
    await Promise.all([dynamoDb, moto].map((started) => (started.status === "fulfilled" ? started.value.stop() : undefined)));
    throw dynamoDb.status === "rejected" ? dynamoDb.reason : (moto as PromiseRejectedResult).reason;
  }
  return {
    endpoints: { dynamoDb: dynamoDb.value.endpoint, moto: moto.value.endpoint },
    stop: async () => {
      await Promise.all([dynamoDb.value.stop(), moto.value.stop()]);
    },
  };
}

/** A stage of its own (table, API-keys secret, cursor secret) for one benchmark. */
export const prepareBenchStage = (endpoints: LocalEndpoints, name: string): Promise<LocalStage> =>
  prepareLocalStage({
    endpoints,
    stage: `bench-${name}-${randomBytes(3).toString("hex")}`,
    cursorSecret: randomBytes(32).toString("base64url"),
  });

/** The repository's store on a stage's table, with the marshalling options the functions use (`store.ts`). */
export function userStoreOf(stage: LocalStage): UserStore & { destroy(): void } {
  const { dynamoDb, secretsManager, ssm } = clientsFor(stage.endpoints);
  secretsManager.destroy();
  ssm.destroy();
  const client = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  return { client, tableName: stage.tableName, destroy: () => client.destroy() };
}
