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
  stage = await bindFunctionsToNewStage("replace", { functionId: routes.replaceUser.id });
  api = usersApi(await importHandlers());
  table = documentClientFor(stage);
});

afterAll(() => table.destroy());

const createUser = async (overrides: Record<string, unknown> = {}) => userOf(await api.createUser({ body: newUser(overrides) }));

describe("PUT /users/{userId}", () => {
  it("replaces every editable field, drops the ones left out, and answers 200 with the new ETag", async () => {
    const created = await createUser({ phone: "+12025550123", attributes: { team: "math", level: 3 } });
    const email = `Replaced-${crypto.randomUUID()}@Example.com`;

    const response = await api.replaceUser({ userId: created.userId, body: { email, name: "Ada King", attributes: { level: 4 } } });

    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ ...corsHeaders, "content-type": "application/json", etag: '"2"' });
    const replaced = userOf(response);
    expect(replaced).toEqual({
      userId: created.userId,
      email: email.toLowerCase(),
      name: "Ada King",
      attributes: { level: 4 },
      createdAt: created.createdAt,
      updatedAt: expect.any(String),
      version: 2,
    });
    expect(replaced.updatedAt >= created.updatedAt).toBe(true);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(replaced);
  });

  it.each([
    ["the current ETag", '"1"'],
    ["a list naming the current ETag", '"7", "1"'],
    ["*", "*"],
  ])("answers 200 when If-Match is %s", async (_, ifMatch) => {
    const created = await createUser();
    const response = await api.replaceUser({ userId: created.userId, body: newUser(), headers: { "If-Match": ifMatch } });
    expect(response.status).toBe(200);
  });

  it.each([
    ["a stale ETag", '"1"'],
    ["the current version as a weak tag", 'W/"2"'],
  ])("answers 412 and changes nothing when If-Match is %s", async (_, ifMatch) => {
    const created = await createUser();
    const current = userOf(await api.patchUser({ userId: created.userId, body: { name: "Version Two" } }));

    const response = await api.replaceUser({ userId: created.userId, body: newUser(), headers: { "If-Match": ifMatch } });

    expect(expectProblem(response, 412).detail).toBe("The user is at version 2, which If-Match does not name.");
    expect((await api.getUser({ userId: created.userId })).body).toEqual(current);
  });

  it("answers 409 when the new email belongs to another user, compared case-insensitively, and changes nothing", async () => {
    const other = await createUser();
    const created = await createUser();

    const response = await api.replaceUser({ userId: created.userId, body: newUser({ email: other.email.toUpperCase() }) });

    expect(expectProblem(response, 409).detail).toBe(`The email address ${other.email} belongs to another user.`);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(created);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });

  it("frees the old email and takes the new one when the email changes", async () => {
    const created = await createUser();
    const newEmail = `moved-${crypto.randomUUID()}@example.com`;

    expect((await api.replaceUser({ userId: created.userId, body: newUser({ email: newEmail }) })).status).toBe(200);

    expect((await api.createUser({ body: newUser({ email: created.email }) })).status).toBe(201);
    expectProblem(await api.createUser({ body: newUser({ email: newEmail }) }), 409);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });

  it("keeps the email guard when the email stays the same", async () => {
    const created = await createUser();
    expect((await api.replaceUser({ userId: created.userId, body: newUser({ email: created.email, name: "Same Email" }) })).status).toBe(200);
    expectProblem(await api.createUser({ body: newUser({ email: created.email }) }), 409);
  });

  it.each([crypto.randomUUID(), "not-a-uuid"])("answers 404 for the absent or malformed id %s", async (userId) => {
    expect(expectProblem(await api.replaceUser({ userId, body: newUser() }), 404).detail).toBe(`No user has the id ${userId}.`);
  });

  it.each([
    ["an unknown field", { userId: "x" }, [{ path: "body.userId", message: "is not an allowed field" }]],
    ["an invalid phone", { phone: "12" }, [{ path: "body.phone", message: "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0" }]],
  ])("answers 400 to a body with %s", async (_, overrides, errors) => {
    const created = await createUser();
    expect(expectProblem(await api.replaceUser({ userId: created.userId, body: newUser(overrides) }), 400).errors).toEqual(errors);
  });

  it("answers 400 to a replacement without the required fields (PUT is not PATCH)", async () => {
    const created = await createUser();
    expect(expectProblem(await api.replaceUser({ userId: created.userId, body: { name: "Only Name" } }), 400).errors).toEqual([
      { path: "body.email", message: expect.any(String) },
    ]);
  });

  it("answers 413 to a body over 16 KiB", async () => {
    const created = await createUser();
    const body = JSON.stringify(newUser({ name: "x".repeat(16 * 1024) }));
    expectProblem(await api.replaceUser({ userId: created.userId, body }), 413);
  });

  it("answers 403 when the API key lacks the users:write scope, and changes nothing", async () => {
    const created = await createUser();
    expectProblem(await api.replaceUser({ userId: created.userId, body: newUser(), scopes: "users:read" }), 403);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(created);
  });

  it("lets exactly one of 10 simultaneous replacements with the same If-Match succeed", async () => {
    const created = await createUser();

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.replaceUser({ userId: created.userId, body: newUser({ name: `Writer ${i}` }), headers: { "If-Match": '"1"' } })),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([200, ...Array<number>(9).fill(412)]);
    const winner = userOf(responses.find((response) => response.status === 200)!);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(winner);
    expect(winner.version).toBe(2);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });
});
