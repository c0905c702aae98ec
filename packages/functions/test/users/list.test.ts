import { routes, type User } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage, type BoundStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, pageOf, userOf, usersApi, type UsersApi, corsHeaders } from "../helpers/users-api.js";

let stage: BoundStage;
let api: UsersApi;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("list", { functionId: routes.listUsers.id });
  api = usersApi(await importHandlers());
});

/** Creates users one after another, a few milliseconds apart so their creation times differ. */
async function createUsers(count: number): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    users.push(userOf(await api.createUser({ body: newUser({ name: `User ${i}`, attributes: { index: i } }) })));
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  return users;
}

/** A cursor the API issued, with one character of its signed payload changed. */
const tamperWithPayload = (cursor: string) => `${cursor[0] === "e" ? "f" : "e"}${cursor.slice(1)}`;

describe("GET /users", () => {
  // Runs first, on the stage's new empty table.
  it("answers an empty page with a null cursor when there are no users", async () => {
    expect(pageOf(await api.listUsers())).toEqual({ items: [], nextCursor: null });
  });

  describe("with seven users", () => {
    let newestFirst: User[];

    beforeAll(async () => {
      newestFirst = (await createUsers(7)).reverse();
    });

    it("lists all of them newest first on one default page", async () => {
      const response = await api.listUsers();
      expect(response.headers).toEqual({ ...corsHeaders, "content-type": "application/json" });
      expect(pageOf(response)).toEqual({ items: newestFirst, nextCursor: null });
    });

    it("pages through them newest first with limit=3, ending with a null cursor", async () => {
      const first = pageOf(await api.listUsers({ query: { limit: "3" } }));
      expect(first.items).toEqual(newestFirst.slice(0, 3));
      expect(first.nextCursor).toEqual(expect.any(String));

      const second = pageOf(await api.listUsers({ query: { limit: "3", cursor: first.nextCursor! } }));
      expect(second.items).toEqual(newestFirst.slice(3, 6));
      expect(second.nextCursor).toEqual(expect.any(String));

      const last = pageOf(await api.listUsers({ query: { limit: "3", cursor: second.nextCursor! } }));
      expect(last).toEqual({ items: newestFirst.slice(6), nextCursor: null });
    });

    it("answers a null cursor on an exactly full last page", async () => {
      expect(pageOf(await api.listUsers({ query: { limit: String(newestFirst.length) } }))).toEqual({ items: newestFirst, nextCursor: null });

      const first = pageOf(await api.listUsers({ query: { limit: "4" } }));
      const rest = newestFirst.length - 4;
      const last = pageOf(await api.listUsers({ query: { limit: String(rest), cursor: first.nextCursor! } }));
      expect(last).toEqual({ items: newestFirst.slice(4), nextCursor: null });
    });

    it("lists each user exactly as GET /users/{userId} shows it", async () => {
      const [newest] = pageOf(await api.listUsers({ query: { limit: "1" } })).items;
      expect(newest).toEqual(userOf(await api.getUser({ userId: newest!.userId })));
    });

    it("leaves a deleted user out of the list", async () => {
      const [gone] = newestFirst.splice(2, 1);
      expect((await api.deleteUser({ userId: gone!.userId })).status).toBe(204);
      expect(pageOf(await api.listUsers()).items).toEqual(newestFirst);
    });

    it("answers 400 to a cursor whose payload was changed", async () => {
      const { nextCursor } = pageOf(await api.listUsers({ query: { limit: "2" } }));
      const problem = expectProblem(await api.listUsers({ query: { limit: "2", cursor: tamperWithPayload(nextCursor!) } }), 400);
      expect(problem).toMatchObject({
        detail: "The cursor is not one this API issued.",
        errors: [{ path: "query.cursor", message: "is invalid or has been tampered with" }],
      });
    });

    it("answers 400 to a cursor from another stage (signed with another secret)", async () => {
      const { nextCursor } = pageOf(await api.listUsers({ query: { limit: "2" } }));
      const { encodeCursor, decodeCursor } = await import("@users-api/core");
      const foreign = encodeCursor(decodeCursor(nextCursor!, stage.cursorSecret), "another-stage-secret");
      expect(expectProblem(await api.listUsers({ query: { cursor: foreign } }), 400).errors).toEqual([
        { path: "query.cursor", message: "is invalid or has been tampered with" },
      ]);
    });
  });

  it.each(["garbage", "a.b", "a.b.c", "....", "x".repeat(300)])("answers 400 to the invalid cursor %j", async (cursor) => {
    expect(expectProblem(await api.listUsers({ query: { cursor } }), 400).errors).toEqual([
      { path: "query.cursor", message: "is invalid or has been tampered with" },
    ]);
  });

  it.each([
    ["0", "must be at least 1"],
    ["101", "must be at most 100"],
    ["abc", "must be an integer from 1 to 100"],
    ["-5", "must be an integer from 1 to 100"],
    ["2.5", "must be an integer from 1 to 100"],
  ])("answers 400 to limit=%s", async (limit, message) => {
    const problem = expectProblem(await api.listUsers({ query: { limit } }), 400);
    expect(problem).toMatchObject({ detail: "The query string is not valid.", errors: [{ path: "query.limit", message }] });
  });

  it("answers 400 to an unknown query parameter, naming it", async () => {
    expect(expectProblem(await api.listUsers({ query: { limit: "5", sort: "name" } }), 400).errors).toEqual([
      { path: "query.sort", message: "is not an allowed field" },
    ]);
  });

  it("answers 403 when the API key lacks the users:read scope", async () => {
    expectProblem(await api.listUsers({ scopes: "users:write" }), 403);
  });
});
