import { randomUUID } from "node:crypto";
import { MAX_BODY_BYTES, User, UserPage, etagOf } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, startTestApi, type ApiResponse, type TestApi } from "../helpers/local-api.js";

/** The whole API contract, through the local API Gateway, the real functions and the emulators. */
describe("users API", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("users-api");
  });
  afterAll(() => api?.stop());

  let sequence = 0;
  const newUser = (fields: Record<string, unknown> = {}) => ({
    email: `user-${Date.now()}-${++sequence}@example.com`,
    name: `User ${sequence}`,
    ...fields,
  });
  const userOf = (response: ApiResponse) => User.parse(response.json);
  const create = async (fields: Record<string, unknown> = {}) => {
    const response = await api.request("POST", "/users", { body: newUser(fields) });
    expect(response.status, response.text).toBe(201);
    return userOf(response);
  };

  describe("POST /users", () => {
    it("creates a user: 201 with Location, ETag and the stored user", async () => {
      const input = { email: `Mixed.Case-${Date.now()}@Example.com`, name: "Mixed Case", phone: "+4915112345678", attributes: { plan: "pro", seats: 3, trial: false } };

      const response = await api.request("POST", "/users", { body: input });

      expect(response.status).toBe(201);
      const user = userOf(response);
      expect(user).toMatchObject({ email: input.email.toLowerCase(), name: input.name, phone: input.phone, attributes: input.attributes, version: 1 });
      expect(response.headers.get("location")).toBe(`/users/${user.userId}`);
      expect(response.headers.get("etag")).toBe(etagOf(1));
      expect(response.headers.get("content-type")).toBe("application/json");
    });

    it("refuses an email another user has, whatever its case, with 409", async () => {
      const { email } = await create();

      const response = await api.request("POST", "/users", { body: newUser({ email: email.toUpperCase() }) });

      expectProblem(response, 409);
    });

    it("replays the first response for a repeated Idempotency-Key and refuses a different body with 422", async () => {
      const key = randomUUID();
      const input = newUser();

      const first = await api.request("POST", "/users", { body: input, headers: { "idempotency-key": key } });
      const replay = await api.request("POST", "/users", { body: input, headers: { "idempotency-key": key } });
      const different = await api.request("POST", "/users", { body: newUser(), headers: { "idempotency-key": key } });

      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(userOf(replay)).toEqual(userOf(first));
      expectProblem(different, 422);
    });

    it("refuses a body over 16 KiB with 413", async () => {
      const response = await api.request("POST", "/users", { body: newUser({ name: "x".repeat(MAX_BODY_BYTES) }) });

      expectProblem(response, 413);
    });

    it.each([
      ["malformed JSON", '{"email": '],
      ["a JSON array", "[]"],
      ["a JSON string", '"user"'],
      ["an unknown field", JSON.stringify({ email: "a@example.com", name: "A", role: "admin" })],
      ["an invalid email", JSON.stringify({ email: "not-an-email", name: "A" })],
      ["no body", ""],
    ])("refuses %s with 400", async (_, body) => {
      const response = await api.request("POST", "/users", { body });

      expectProblem(response, 400);
    });
  });

  describe("GET /users/{userId}", () => {
    it("returns the user with its ETag", async () => {
      const user = await create();

      const response = await api.request("GET", `/users/${user.userId}`);

      expect(response.status).toBe(200);
      expect(userOf(response)).toEqual(user);
      expect(response.headers.get("etag")).toBe(etagOf(1));
    });

    it("lets browsers on the stage's origin read the answer and its ETag", async () => {
      const user = await create();

      const response = await api.request("GET", `/users/${user.userId}`, { headers: { origin: "http://localhost:5173" } });

      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-expose-headers")).toContain("etag");
    });

    it.each([
      ["an id no user has", randomUUID()],
      ["an id that is not a UUID", "not-a-uuid"],
    ])("answers 404 for %s", async (_, userId) => {
      expectProblem(await api.request("GET", `/users/${userId}`), 404);
    });
  });

  describe("GET /users", () => {
    it("lists users newest first, page by page, with nextCursor null on the last page", async () => {
      const created = [await create(), await create(), await create()];

      const pages: UserPage[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const response = await api.request("GET", `/users${query}`);
        expect(response.status, response.text).toBe(200);
        const page = UserPage.parse(response.json);
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length < 100);

      const listed = pages.flatMap((page) => page.items);
      const order = (user: User) => `${user.createdAt}#${user.userId}`;
      expect(listed.map(order)).toEqual(listed.map(order).sort().reverse());
      expect(pages.slice(0, -1).every((page) => page.items.length === 2)).toBe(true);
      expect(pages.at(-1)?.nextCursor).toBeNull();
      const ours = listed.filter((user) => created.some((mine) => mine.userId === user.userId));
      expect(ours.map((user) => user.userId)).toEqual(created.map((user) => user.userId).reverse());
    });

    it("refuses a tampered cursor with 400", async () => {
      await create();
      await create();
      const first = UserPage.parse((await api.request("GET", "/users?limit=1")).json);
      const cursor = first.nextCursor ?? "";
      const tampered = `${cursor.slice(0, -2)}${cursor.endsWith("A") ? "B" : "A"}${cursor.slice(-1)}`;

      const response = await api.request("GET", `/users?limit=1&cursor=${encodeURIComponent(tampered)}`);

      expectProblem(response, 400);
    });

    it.each([["limit=0"], ["limit=101"], ["limit=ten"], ["size=5"], ["cursor="]])("refuses the query %s with 400", async (query) => {
      expectProblem(await api.request("GET", `/users?${query}`), 400);
    });
  });

  describe("PUT and PATCH /users/{userId}", () => {
    it("replaces a user with PUT: version + 1 and a new ETag", async () => {
      const user = await create({ phone: "+4915112345678" });

      const response = await api.request("PUT", `/users/${user.userId}`, {
        body: { email: user.email, name: "Replaced" },
        headers: { "if-match": etagOf(1) },
      });

      expect(response.status).toBe(200);
      const replaced = userOf(response);
      expect(replaced).toMatchObject({ userId: user.userId, name: "Replaced", version: 2, createdAt: user.createdAt });
      expect(replaced).not.toHaveProperty("phone");
      expect(response.headers.get("etag")).toBe(etagOf(2));
    });

    it("patches a user with a merge patch: null removes the phone, other fields stay", async () => {
      const user = await create({ phone: "+4915112345678", attributes: { plan: "pro" } });

      const response = await api.request("PATCH", `/users/${user.userId}`, {
        body: { phone: null, attributes: { seats: 5 } },
        headers: { "content-type": "application/merge-patch+json" },
      });

      expect(response.status, response.text).toBe(200);
      const patched = userOf(response);
      expect(patched).toMatchObject({ name: user.name, email: user.email, attributes: { plan: "pro", seats: 5 }, version: 2 });
      expect(patched).not.toHaveProperty("phone");
      expect(response.headers.get("etag")).toBe(etagOf(2));
      expect(userOf(await api.request("GET", `/users/${user.userId}`))).toEqual(patched);
    });

    it.each(["PUT", "PATCH"])("refuses %s with a stale If-Match with 412 and changes nothing", async (method) => {
      const user = await create();
      await api.request("PATCH", `/users/${user.userId}`, { body: { name: "Second" } });

      const response = await api.request(method, `/users/${user.userId}`, {
        body: { email: user.email, name: "Third" },
        headers: { "if-match": etagOf(1) },
      });

      expectProblem(response, 412);
      expect(userOf(await api.request("GET", `/users/${user.userId}`))).toMatchObject({ name: "Second", version: 2 });
    });

    it("refuses to change the email to one another user has, with 409", async () => {
      const taken = await create();
      const user = await create();

      expectProblem(await api.request("PATCH", `/users/${user.userId}`, { body: { email: taken.email.toUpperCase() } }), 409);
    });

    it("refuses a patch whose result is not a valid user with 400", async () => {
      const user = await create();

      expectProblem(await api.request("PATCH", `/users/${user.userId}`, { body: { name: null } }), 400);
    });

    it("answers 404 when the user does not exist", async () => {
      expectProblem(await api.request("PATCH", `/users/${randomUUID()}`, { body: { name: "Nobody" } }), 404);
    });
  });

  describe("DELETE /users/{userId}", () => {
    it("deletes a user: 204, then 404, and the email is free again", async () => {
      const user = await create();

      const response = await api.request("DELETE", `/users/${user.userId}`);

      expect(response.status).toBe(204);
      expect(response.text).toBe("");
      expectProblem(await api.request("GET", `/users/${user.userId}`), 404);
      expectProblem(await api.request("DELETE", `/users/${user.userId}`), 404);
      expect((await api.request("POST", "/users", { body: { email: user.email, name: "Again" } })).status).toBe(201);
    });

    it("refuses a stale If-Match with 412", async () => {
      const user = await create();
      await api.request("PATCH", `/users/${user.userId}`, { body: { name: "Changed" } });

      expectProblem(await api.request("DELETE", `/users/${user.userId}`, { headers: { "if-match": etagOf(1) } }), 412);
    });
  });

  it.each([
    ["GET", "/accounts"],
    ["POST", "/users/123"],
    ["GET", "/users/123/extra"],
  ])("answers %s %s, which no route serves, with 404", async (method, path) => {
    expectProblem(await api.request(method, path), 404);
  });

  it("invokes the authorizer once for two requests with the same key within its cache TTL", async () => {
    // A key this file has not used yet (a key created now could still be unknown to a warm authorizer's key cache).
    const key = api.keys.readOnly;
    const before = await api.invocationsOf("Authorizer");

    expect((await api.request("GET", "/users?limit=1", { key })).status).toBe(200);
    expect((await api.request("GET", "/users?limit=1", { key })).status).toBe(200);

    expect(await api.invocationsOf("Authorizer")).toBe(before + 1);
  });
});
