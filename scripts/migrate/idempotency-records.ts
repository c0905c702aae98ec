import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemKeys, usersTable } from "@users-api/core";

export interface MigrationResult {
  /** Live records moved to their own partition key. */
  readonly moved: number;
  /** Records already present under the new key (a rerun, or a retry since the deploy): the old copy is deleted. */
  readonly alreadyMoved: number;
  /** Expired records left for TTL to delete. */
  readonly expired: number;
}

const LEGACY_PREFIX = itemKeys.idempotencyPartition("");
const { partitionKey, sortKey } = usersTable.primaryIndex;

/**
 * Moves Powertools idempotency records from the layout the API wrote before
 * (one partition per function, `IDEMPOTENCY#<function>` / `<function>#<hash>`)
 * to one partition per record (`IDEMPOTENCY#<function>#<hash>` / `RECORD`),
 * which the create function reads now. Each move is one transaction (put the
 * new item unless it exists, delete the old one), so a rerun or an interrupted
 * run is safe. Records hold a request's response for 24 hours: run it once,
 * right after deploying the new layout. Reads the table with a Scan.
 */
export async function migrateIdempotencyRecords(client: DynamoDBDocumentClient, tableName: string, now = new Date()): Promise<MigrationResult> {
  let moved = 0;
  let alreadyMoved = 0;
  let expired = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: "begins_with(#pk, :prefix) AND #sk <> :record",
        ExpressionAttributeNames: { "#pk": partitionKey, "#sk": sortKey },
        ExpressionAttributeValues: { ":prefix": LEGACY_PREFIX, ":record": itemKeys.idempotencyRecord("").sk },
        ExclusiveStartKey: startKey,
      }),
    );
    startKey = page.LastEvaluatedKey;
    for (const legacy of page.Items ?? []) {
      if (Number(legacy[usersTable.timeToLiveAttribute]) < now.getTime() / 1000) {
        expired += 1;
        continue;
      }
      const oldKey = { [partitionKey]: legacy[partitionKey], [sortKey]: legacy[sortKey] };
      const record = { ...legacy, ...itemKeys.idempotencyRecord(String(legacy[sortKey])) };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: record, ConditionExpression: `attribute_not_exists(${partitionKey})` } },
              { Delete: { TableName: tableName, Key: oldKey } },
            ],
          }),
        );
        moved += 1;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || error.CancellationReasons?.[0]?.Code !== "ConditionalCheckFailed") throw error;
        await client.send(new DeleteCommand({ TableName: tableName, Key: oldKey }));
        alreadyMoved += 1;
      }
    }
  } while (startKey);
  return { moved, alreadyMoved, expired };
}
