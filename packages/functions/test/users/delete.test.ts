import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage, documentClientFor, type BoundStage } from "../helpers/local-stage.js";
import { expectEveryEmailGuardedOnce, readTable } from "../helpers/table-contents.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type UsersApi, corsHeaders } from "../helpers/users-api.js";

let stage: BoundStage;
let api: UsersApi;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("delete", { functionId: routes.deleteUser.id });
  api = usersApi(await importHandlers());
  table = documentClientFor(stage);
});

afterAll(() => table.destroy());

const createUser = async () => userOf(await api.createUser({ body: newUser() }));

describe("DELETE /users/{userId}", () => {
  it("answers 204 with no body, after which the user is gone", async () => {
    const created = await createUser();

    const response = await api.deleteUser({ userId: created.userId });

    expect(response.result).toEqual({ statusCode: 204, headers: corsHeaders, body: "" });
    expectProblem(await api.getUser({ userId: created.userId }), 404);
    expectProblem(await api.deleteUser({ userId: created.userId }), 404);
  });

  it("removes both the user and its email guard, freeing the email", async () => {
    const created = await createUser();

    await api.deleteUser({ userId: created.userId });

    const contents = await readTable(table, stage.tableName);
    expect(contents.users.has(created.userId)).toBe(false);
    expect(contents.emailGuards.filter((guard) => guard.email === created.email)).toEqual([]);
    expectEveryEmailGuardedOnce(contents);
    expect((await api.createUser({ body: newUser({ email: created.email }) })).status).toBe(201);
  });

  it.each([
    ["the current ETag", '"1"'],
    ["*", "*"],
  ])("answers 204 when If-Match is %s", async (_, ifMatch) => {
    const created = await createUser();
    expect((await api.deleteUser({ userId: created.userId, headers: { "If-Match": ifMatch } })).status).toBe(204);
  });

  it.each([
    ["a stale ETag", '"1"'],
    ["a weak tag", 'W/"2"'],
  ])("answers 412 and keeps the user when If-Match is %s", async (_, ifMatch) => {
    const created = await createUser();
    const current = userOf(await api.patchUser({ userId: created.userId, body: { name: "Version Two" } }));

    const response = await api.deleteUser({ userId: created.userId, headers: { "If-Match": ifMatch } });

    expect(expectProblem(response, 412).detail).toBe("The user is at version 2, which If-Match does not name.");
    expect((await api.getUser({ userId: created.userId })).body).toEqual(current);
  });

  it.each([crypto.randomUUID(), "not-a-uuid"])("answers 404 for the absent or malformed id %s", async (userId) => {
    expect(expectProblem(await api.deleteUser({ userId }), 404).detail).toBe(`No user has the id ${userId}.`);
  });

  it("answers 403 when the API key lacks the users:write scope, and keeps the user", async () => {
    const created = await createUser();
    expectProblem(await api.deleteUser({ userId: created.userId, scopes: "users:read" }), 403);
    expect((await api.getUser({ userId: created.userId })).status).toBe(200);
  });

  it("lets exactly one of 5 simultaneous deletes succeed", async () => {
    const created = await createUser();
    const responses = await Promise.all(Array.from({ length: 5 }, () => api.deleteUser({ userId: created.userId })));
    expect(responses.map((response) => response.status).sort()).toEqual([204, 404, 404, 404, 404]);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });
});
