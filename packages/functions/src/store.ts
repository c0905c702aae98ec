import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LIST_SETTINGS_VARIABLE, listSettingsFrom, type UserStore } from "@users-api/core";
import { Table } from "sst/node/table";
import { tracer } from "./observability.js";
import { countThrottledAttempts } from "./throttle-metric.js";

/** One client per container, reused across invocations; the SDK's standard retries apply. */
export const dynamoDbClient = countThrottledAttempts(tracer.captureAWSv3Client(new DynamoDBClient({})));

export const userStore: UserStore = {
  client: DynamoDBDocumentClient.from(dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } }),
  tableName: Table.Users.tableName,
  listLayouts: listSettingsFrom(process.env[LIST_SETTINGS_VARIABLE]).layouts,
};
