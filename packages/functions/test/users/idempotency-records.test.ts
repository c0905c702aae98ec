import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createUser, itemKeys, routes, usersTable, type UserInput } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { migrateIdempotencyRecords } from "../../../../scripts/migrate/idempotency-records.js";
import { json } from "../../src/http/response.js";
import { bindFunctionsToNewStage, documentClientFor, type BoundStage } from "../helpers/local-stage.js";
import { readTable } from "../helpers/table-contents.js";
import { importHandlers, newUser, userOf, usersApi, type UsersApi } from "../helpers/users-api.js";

let stage: BoundStage;
let api: UsersApi;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("idempotency", { functionId: routes.createUser.id });
  api = usersApi(await importHandlers());
  table = documentClientFor(stage);
});

const recordsOf = async () => (await readTable(table, stage.tableName)).idempotencyRecords;

describe("idempotency records", () => {
  it("keeps each record under a partition key of its own, so no key takes every create", async () => {
    const keys = [crypto.randomUUID(), crypto.randomUUID()];
    for (const key of keys) expect((await api.createUser({ body: newUser(), headers: { "Idempotency-Key": key } })).status).toBe(201);

    const records = await recordsOf();
    expect(records).toHaveLength(2);
    expect(new Set(records.map((record) => record.pk)).size).toBe(2);
    for (const record of records) {
      expect(record).toMatchObject({ sk: "RECORD", status: "COMPLETED" });
      // Powertools' idempotency key: the function's name, then the MD5 of the key fields (base64).
      expect(String(record.pk)).toMatch(/^IDEMPOTENCY#[^#]+-CreateUser#[A-Za-z0-9+/]{22}==$/);
      expect(String(record.pk)).toContain(`#${stage.environment.AWS_LAMBDA_FUNCTION_NAME}#`);
    }
  });

  it("replays a response recorded with the previous layout once `pnpm migrate idempotency-records` has moved it", async () => {
    // What the create function stored before: Powertools' composite-key mode, one partition per function.
    const functionName = stage.environment.AWS_LAMBDA_FUNCTION_NAME!;
    const legacyStore = new DynamoDBPersistenceLayer({
      tableName: stage.tableName,
      keyAttr: usersTable.primaryIndex.partitionKey,
      sortKeyAttr: usersTable.primaryIndex.sortKey,
      staticPkValue: itemKeys.idempotencyPartition(functionName),
      expiryAttr: usersTable.timeToLiveAttribute,
      awsSdkV3Client: table,
    });
    const legacyCreate = makeIdempotent(
      async (request: { caller: string; idempotencyKey: string; input: UserInput }) => {
        const user = await createUser({ client: table, tableName: stage.tableName }, request.input);
        return json(201, user, { location: `/users/${user.userId}` });
      },
      {
        persistenceStore: legacyStore,
        config: new IdempotencyConfig({ eventKeyJmesPath: "[caller, idempotencyKey]", payloadValidationJmesPath: "input", expiresAfterSeconds: 86_400 }),
      },
    );
    const body = newUser();
    const key = crypto.randomUUID();
    const original = await legacyCreate({ caller: "test-client", idempotencyKey: key, input: body });
    const legacy = (await recordsOf()).filter((record) => record.pk === itemKeys.idempotencyPartition(functionName));
    expect(legacy).toHaveLength(1);

    expect(await migrateIdempotencyRecords(table, stage.tableName)).toEqual({ moved: 1, alreadyMoved: 0, expired: 0 });
    const retry = await api.createUser({ body, headers: { "Idempotency-Key": key } });

    expect(retry.status).toBe(201);
    expect(userOf(retry)).toEqual(JSON.parse(original.body));
    const contents = await readTable(table, stage.tableName);
    expect([...contents.users.values()].filter((user) => user.email === body.email)).toHaveLength(1);
    expect(contents.idempotencyRecords.filter((record) => record.pk === itemKeys.idempotencyPartition(functionName))).toEqual([]);
    // A second run finds nothing left to move.
    expect(await migrateIdempotencyRecords(table, stage.tableName)).toEqual({ moved: 0, alreadyMoved: 0, expired: 0 });
  });

  it("leaves expired records of the previous layout to TTL", async () => {
    const old = { ...{ pk: itemKeys.idempotencyPartition("fn"), sk: "fn#0123" }, status: "COMPLETED", expiration: 1 };
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    await table.send(new PutCommand({ TableName: stage.tableName, Item: old }));
    expect(await migrateIdempotencyRecords(table, stage.tableName)).toEqual({ moved: 0, alreadyMoved: 0, expired: 1 });
  });
});
