import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { itemKeys, usersTable } from "@users-api/core";

/**
 * Powertools' DynamoDB persistence layer, keeping each idempotency record
 * under a partition key of its own (`IDEMPOTENCY#<function>#<hash>`). Its
 * composite-key mode would put every record of the function under one static
 * partition key, which at thousands of creates a second is more than one
 * partition takes (1,000 WCU). Records written that way before are moved by
 * `pnpm migrate idempotency-records`.
 */
export class IdempotencyRecordStore extends DynamoDBPersistenceLayer {
  constructor(options: { readonly tableName: string; readonly client: DynamoDBClient }) {
    super({
      tableName: options.tableName,
      keyAttr: usersTable.primaryIndex.partitionKey,
      expiryAttr: usersTable.timeToLiveAttribute,
      awsSdkV3Client: options.client,
    });
  }

  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    const key = itemKeys.idempotencyRecord(idempotencyKey);
    return Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }]));
  }
}
