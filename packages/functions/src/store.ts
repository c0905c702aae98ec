import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LIST_SETTINGS_VARIABLE, listSettingsFrom, type UserStore } from "@users-api/core";
import { awsClientConfig } from "./aws-client-config.js";
import { boundValue } from "./bindings.js";
import { countThrottledAttempts } from "./throttle-metric.js";
import { traceAwsClient } from "./tracing.js";

/** One client per container, reused across invocations, with the functions' timeouts and retry budget. */
export const dynamoDbClient = countThrottledAttempts(traceAwsClient(new DynamoDBClient(awsClientConfig)));

export const userStore: UserStore = {
  client: DynamoDBDocumentClient.from(dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } }),
  tableName: boundValue("usersTable"),
  listLayouts: listSettingsFrom(process.env[LIST_SETTINGS_VARIABLE]).layouts,
};
