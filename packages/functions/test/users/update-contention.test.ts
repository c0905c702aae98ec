import { PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createUser, deleteUser, itemKeys, patchUser, replaceUser, type UserStore } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { responseForError, RETRY_AFTER_SECONDS } from "../../src/http/response.js";
import { bindFunctionsToNewStage, documentClientFor, type BoundStage } from "../helpers/local-stage.js";
import { newUser } from "../helpers/users-api.js";

let stage: BoundStage;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("contention");
  table = documentClientFor(stage);
});
afterAll(() => table.destroy());

/**
 * A store whose every write loses its race: just before each write, another writer (a real UpdateItem
 * on DynamoDB Local) raises the user's version, so the write's condition on the version read fails.
 */
const alwaysOutraced = (userId: string): UserStore => {
  const send = async (command: unknown) => {
    if (command instanceof PutCommand || command instanceof TransactWriteCommand) {
      await table.send(
        new UpdateCommand({
          TableName: stage.tableName,
          Key: itemKeys.user(userId),
          UpdateExpression: "SET version = version + :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
    }
    return table.send(command as PutCommand);
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, tableName: stage.tableName };
};

describe("a user that changes on every attempt to write it", () => {
  it.each([
    ["PATCH", "updated", (store: UserStore, userId: string) => patchUser(store, userId, { name: "Lost" })],
    ["PUT", "updated", (store: UserStore, userId: string) => replaceUser(store, userId, newUser({ name: "Lost" }))],
    ["DELETE", "deleted", (store: UserStore, userId: string) => deleteUser(store, userId)],
  ])("answers %s with 409 and Retry-After, once the tries are spent", async (_, verb, write) => {
    const user = await createUser({ client: table, tableName: stage.tableName }, newUser());

    const error = await write(alwaysOutraced(user.userId), user.userId).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    const response = responseForError(error);
    expect({ status: response?.statusCode, retryAfter: response?.headers["retry-after"] }).toEqual({ status: 409, retryAfter: RETRY_AFTER_SECONDS });
    expect(JSON.parse(response!.body)).toMatchObject({ detail: `The user changed too often while being ${verb}; try again.` });
  });
});
