import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "@users-api/emulators/dynamodb-local";
import { startMoto } from "@users-api/emulators/moto";
import { missingPrerequisites, testPrerequisites } from "@users-api/emulators/prerequisites";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    motoEndpoint: string;
  }
}

/** DynamoDB Local (in memory) and moto, started once for the whole run; each test file makes its own table. */
export default async function setup(project: TestProject) {
  // A missing tool is named, with how to install it, before anything starts.
  const missing = await missingPrerequisites(testPrerequisites);
  if (missing.length > 0) {
    const error = new Error(missing.join("\n"));
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
  const [dynamoDb, moto] = await Promise.all([startDynamoDbLocal(), startMoto()]);
  project.provide("dynamoDbEndpoint", dynamoDb.endpoint);
  project.provide("motoEndpoint", moto.endpoint);
  return async () => {
    await Promise.all([dynamoDb.stop(), moto.stop()]);
  };
}
