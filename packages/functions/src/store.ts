import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { UserStore } from "@users-api/core";
import { awsClientConfig } from "./aws-client-config.js";
import { boundValue } from "./bindings.js";
import { tracer } from "./observability.js";

/** One client per container, reused across invocations, with the functions' timeouts and retry budget. */
export const dynamoDbClient = tracer.captureAWSv3Client(new DynamoDBClient(awsClientConfig));

export const userStore: UserStore = {
  client: DynamoDBDocumentClient.from(dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } }),
  tableName: boundValue("usersTable"),
};
