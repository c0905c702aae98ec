import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { routes, type User } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage, documentClientFor, type BoundStage } from "../helpers/local-stage.js";
import { expectEveryEmailGuardedOnce, readTable } from "../helpers/table-contents.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type UsersApi, corsHeaders } from "../helpers/users-api.js";

let stage: BoundStage;
let api: UsersApi;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("patch", { functionId: routes.patchUser.id });
  api = usersApi(await importHandlers());
  table = documentClientFor(stage);
});

afterAll(() => table.destroy());

const createUser = async (overrides: Record<string, unknown> = {}) => userOf(await api.createUser({ body: newUser(overrides) }));

describe("PATCH /users/{userId}", () => {
  it("changes only the fields in the patch and answers 200 with the new ETag", async () => {
    const created = await createUser({ phone: "+12025550123", attributes: { team: "math" } });

    const response = await api.patchUser({ userId: created.userId, body: { name: "  Countess of Lovelace " } });

    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ ...corsHeaders, "content-type": "application/json", etag: '"2"' });
    expect(response.body).toEqual({ ...created, name: "Countess of Lovelace", updatedAt: expect.any(String), version: 2 });
    expect((await api.getUser({ userId: created.userId })).body).toEqual(response.body);
  });

  it("removes the phone when the patch sets it to null", async () => {
    const created = await createUser({ phone: "+12025550123" });

    const patched = userOf(await api.patchUser({ userId: created.userId, body: { phone: null } }));

    expect(patched).not.toHaveProperty("phone");
    expect(userOf(await api.getUser({ userId: created.userId }))).not.toHaveProperty("phone");
    const { users } = await readTable(table, stage.tableName);
    expect(users.get(created.userId)).not.toHaveProperty("phone");
  });

  it("merges attributes per RFC 7396: adds, replaces, and removes members set to null", async () => {
    const created = await createUser({ attributes: { team: "math", level: 3, admin: false } });

    const patched = userOf(await api.patchUser({ userId: created.userId, body: { attributes: { level: 4, admin: null, city: "London" } } }));

    expect(patched.attributes).toEqual({ team: "math", level: 4, city: "London" });
  });

  it("removes all attributes when the patch sets them to null", async () => {
    const created = await createUser({ attributes: { team: "math" } });
    expect(userOf(await api.patchUser({ userId: created.userId, body: { attributes: null } }))).not.toHaveProperty("attributes");
  });

  it("adds attributes to a user that had none", async () => {
    const created = await createUser();
    expect(userOf(await api.patchUser({ userId: created.userId, body: { attributes: { vip: true } } })).attributes).toEqual({ vip: true });
  });

  it("normalises a patched email", async () => {
    const created = await createUser();
    const email = `Patched-${crypto.randomUUID()}@EXAMPLE.com`;
    expect(userOf(await api.patchUser({ userId: created.userId, body: { email: ` ${email} ` } })).email).toBe(email.toLowerCase());
  });

  it.each([
    ["removes a required field", { email: null }, [{ path: "body.email", message: expect.any(String) }]],
    ["nests an attribute value", { attributes: { deep: { x: 1 } } }, [{ path: "body.attributes.deep", message: "must be a string, a number or a boolean" }]],
    [
      "sets an invalid phone",
      { phone: "+1" },
      [{ path: "body.phone", message: "must be E.164: '+' then 8 to 15 digits, the first (the country code's) not 0" }],
    ],
    ["names an unknown field", { version: 9 }, [{ path: "body.version", message: "is not an allowed field" }]],
  ])("answers 400 and changes nothing when the patch %s", async (_, body, errors) => {
    const created = await createUser({ phone: "+12025550123" });
    expect(expectProblem(await api.patchUser({ userId: created.userId, body }), 400).errors).toEqual(errors);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(created);
  });

  it("answers 400 when the merged attributes would exceed 50 keys", async () => {
    const created = await createUser({ attributes: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])) });
    const problem = expectProblem(await api.patchUser({ userId: created.userId, body: { attributes: { oneMore: 1 } } }), 400);
    expect(problem.errors).toEqual([{ path: "body.attributes", message: "must have at most 50 keys" }]);
  });

  it("answers 400 to malformed JSON and to a body that is not an object", async () => {
    const created = await createUser();
    expectProblem(await api.patchUser({ userId: created.userId, body: "{nope" }), 400);
    expectProblem(await api.patchUser({ userId: created.userId, body: "[]" }), 400);
  });

  it("answers 200 when If-Match names the current version", async () => {
    const created = await createUser();
    expect((await api.patchUser({ userId: created.userId, body: { name: "B" }, headers: { "If-Match": '"1"' } })).status).toBe(200);
  });

  describe("a patch that changes nothing", () => {
    it.each([
      ["an empty patch", () => ({})],
      ["the fields the user has", () => ({ name: "Ada Lovelace", phone: "+447700900123", attributes: { plan: "pro" } })],
      ["the email in another case and padded", (email: string) => ({ email: ` ${email.toUpperCase()} ` })],
      ["removing what the user does not have", () => ({ attributes: { absent: null } })],
    ])("keeps the version and the ETag and writes nothing: %s", async (_, patchOf) => {
      const created = await createUser({ name: "Ada Lovelace", phone: "+447700900123", attributes: { plan: "pro" } });
      const before = (await readTable(table, stage.tableName)).users.get(created.userId);

      const response = await api.patchUser({ userId: created.userId, body: patchOf(created.email) });

      expect({ status: response.status, etag: response.headers.etag }).toEqual({ status: 200, etag: '"1"' });
      expect(userOf(response)).toEqual(created);
      expect((await readTable(table, stage.tableName)).users.get(created.userId)).toEqual(before);
    });

    it("still answers 412 when If-Match is stale", async () => {
      const created = await createUser();

      expectProblem(await api.patchUser({ userId: created.userId, body: {}, headers: { "If-Match": '"7"' } }), 412);
    });
  });

  it("answers 412 and changes nothing when If-Match is stale", async () => {
    const created = await createUser();
    const current = userOf(await api.patchUser({ userId: created.userId, body: { name: "Second" } }));

    const response = await api.patchUser({ userId: created.userId, body: { name: "Third" }, headers: { "If-Match": '"1"' } });

    expect(expectProblem(response, 412).detail).toBe("The user is at version 2, which If-Match does not name.");
    expect((await api.getUser({ userId: created.userId })).body).toEqual(current);
  });

  it("answers 409 when the patched email belongs to another user, compared case-insensitively", async () => {
    const other = await createUser();
    const created = await createUser();

    const response = await api.patchUser({ userId: created.userId, body: { email: `  ${other.email.toUpperCase()}` } });

    expect(expectProblem(response, 409).detail).toBe(`The email address ${other.email} belongs to another user.`);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(created);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });

  it("frees the old email and takes the new one when the email changes", async () => {
    const created = await createUser();
    const newEmail = `patched-${crypto.randomUUID()}@example.com`;

    expect((await api.patchUser({ userId: created.userId, body: { email: newEmail } })).status).toBe(200);

    expect((await api.createUser({ body: newUser({ email: created.email }) })).status).toBe(201);
    expectProblem(await api.createUser({ body: newUser({ email: newEmail }) }), 409);
    expectEveryEmailGuardedOnce(await readTable(table, stage.tableName));
  });

  it.each([crypto.randomUUID(), "not-a-uuid"])("answers 404 for the absent or malformed id %s", async (userId) => {
    expectProblem(await api.patchUser({ userId, body: { name: "Nobody" } }), 404);
  });

  it("answers 403 when the API key lacks the users:write scope", async () => {
    const created = await createUser();
    expectProblem(await api.patchUser({ userId: created.userId, body: { name: "X" }, scopes: "users:read" }), 403);
  });

  it("answers 413 to a body over 16 KiB", async () => {
    const created = await createUser();
    expectProblem(await api.patchUser({ userId: created.userId, body: { name: "x".repeat(16 * 1024) } }), 413);
  });

  it("lets exactly one of 10 simultaneous patches with the same If-Match succeed", async () => {
    const created = await createUser();

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.patchUser({ userId: created.userId, body: { name: `Writer ${i}` }, headers: { "If-Match": '"1"' } })),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([200, ...Array<number>(9).fill(412)]);
    const winner = userOf(responses.find((response) => response.status === 200)!);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(winner);
  });

  it("applies all of 10 simultaneous patches without If-Match, each adding its own attribute (no lost update)", async () => {
    const created = await createUser({ attributes: { original: true } });

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.patchUser({ userId: created.userId, body: { attributes: { [`writer${i}`]: i } } })),
    );

    expect(responses.map((response) => response.status)).toEqual(Array<number>(10).fill(200));
    const final: User = userOf(await api.getUser({ userId: created.userId }));
    expect(final.attributes).toEqual({ original: true, ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`writer${i}`, i])) });
    expect(final.version).toBe(11);
    expect(responses.map((response) => userOf(response).version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
