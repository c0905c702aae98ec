import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../packages/local/src/emulators/dynamodb-local.js";
import { startMoto } from "../../packages/local/src/emulators/moto.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    motoEndpoint: string;
  }
}

/** DynamoDB Local (in memory) and moto, started once for the whole run; each test file makes its own table. */
export default async function setup(project: TestProject) {
  const [dynamoDb, moto] = await Promise.all([startDynamoDbLocal(), startMoto()]);
  project.provide("dynamoDbEndpoint", dynamoDb.endpoint);
  project.provide("motoEndpoint", moto.endpoint);
  return async () => {
    await Promise.all([dynamoDb.stop(), moto.stop()]);
  };
}
