import { routes } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type UsersApi, corsHeaders } from "../helpers/users-api.js";

let api: UsersApi;

beforeAll(async () => {
  await bindFunctionsToNewStage("get", { functionId: routes.getUser.id });
  api = usersApi(await importHandlers());
});

describe("GET /users/{userId}", () => {
  describe("with If-Match (RFC 9110 §13.1.1: evaluated before any method, GET too)", () => {
    it.each(['"2"', '"2", "3"', 'W/"1"'])("answers 412 when If-Match %s names none of the user's version", async (ifMatch) => {
      const created = userOf(await api.createUser({ body: newUser() }));

      const response = await api.getUser({ userId: created.userId, headers: { "If-Match": ifMatch } });

      expect(expectProblem(response, 412).detail).toBe("The user is at version 1, which If-Match does not name.");
    });

    it.each(['"1"', '"3", "1"', "*"])("answers 200 when If-Match %s names the user's version", async (ifMatch) => {
      const created = userOf(await api.createUser({ body: newUser() }));

      expect(userOf(await api.getUser({ userId: created.userId, headers: { "If-Match": ifMatch } }))).toEqual(created);
    });

    it("answers 400 to an If-Match that is not entity tags", async () => {
      const created = userOf(await api.createUser({ body: newUser() }));

      expectProblem(await api.getUser({ userId: created.userId, headers: { "If-Match": "1" } }), 400);
    });
  });

  it("answers 200 with the user and its ETag", async () => {
    const created = userOf(await api.createUser({ body: newUser({ phone: "+447700900123", attributes: { plan: "pro" } }) }));

    const response = await api.getUser({ userId: created.userId });

    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ ...corsHeaders, "content-type": "application/json", etag: '"1"' });
    expect(response.body).toEqual({
      userId: created.userId,
      email: created.email,
      name: "Ada Lovelace",
      phone: "+447700900123",
      attributes: { plan: "pro" },
      createdAt: created.createdAt,
      updatedAt: created.createdAt,
      version: 1,
    });
  });

  it("carries the current version in the ETag after an update", async () => {
    const created = userOf(await api.createUser({ body: newUser() }));
    await api.patchUser({ userId: created.userId, body: { name: "Augusta Ada King" } });

    const response = await api.getUser({ userId: created.userId });

    expect(response.headers.etag).toBe('"2"');
    expect(userOf(response)).toMatchObject({ name: "Augusta Ada King", version: 2 });
  });

  it("answers 404 for an id no user has", async () => {
    const userId = crypto.randomUUID();
    expect(expectProblem(await api.getUser({ userId }), 404).detail).toBe(`No user has the id ${userId}.`);
  });

  it.each(["not-a-uuid", "12345", "USER#x", "' OR 1=1 --", `${crypto.randomUUID()}x`])("answers 404 for the malformed id %j", async (userId) => {
    expect(expectProblem(await api.getUser({ userId }), 404).detail).toBe(`No user has the id ${userId}.`);
  });

  it("answers 403 when the API key lacks the users:read scope", async () => {
    const created = userOf(await api.createUser({ body: newUser() }));
    const problem = expectProblem(await api.getUser({ userId: created.userId, scopes: "users:write" }), 403);
    expect(problem.detail).toBe("This API key lacks the users:read scope that GET /users/{userId} needs.");
  });
});
