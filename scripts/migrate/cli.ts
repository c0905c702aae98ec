import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_REGION } from "@users-api/core";
import { migrateIdempotencyRecords } from "./idempotency-records.js";

const usage = `Move data written with an earlier layout to the one the API uses now.

  pnpm migrate idempotency-records --table <TableName output of the stage>

idempotency-records  Powertools idempotency records from one partition per function to one per record.
                     Run once right after deploying the version that reads the new layout.

Uses the AWS credentials and region of the environment (default region ${DEFAULT_REGION});
AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local.
The list index needs no migration: users keep the key they were written with (packages/core/src/user/list-layout.ts).`;

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { table: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals[0] !== "idempotency-records" || !values.table) {
    console.error(usage);
    return 2;
  }
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION ?? DEFAULT_REGION }));
  try {
    const result = await migrateIdempotencyRecords(client, values.table);
    console.log(`Moved ${result.moved} idempotency records; ${result.alreadyMoved} were already moved; ${result.expired} expired ones left for TTL.`);
    return 0;
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
