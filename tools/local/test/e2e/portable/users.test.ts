import { randomUUID } from "node:crypto";
import { allUsers, createUser, etagOf, ifMatch, unwrap, userPages, withIdempotencyKey, type UserInput, type UserPage } from "@users-api/client";
import { MAX_BODY_BYTES, User, etagOf as etagOfVersion } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../../helpers/local-api.js";
import { e2eTarget, expectProblemResult, tamperedCursor, type E2eTarget } from "../target.js";

/** The whole API contract through the typed client: against a local API, or any deployed stage (E2E_BASE_URL). */
describe("users API", () => {
  let target: E2eTarget;
  let api: ReturnType<E2eTarget["client"]>;
  beforeAll(async () => {
    target = await e2eTarget("users-api");
    api = target.client();
  });
  afterAll(() => target?.stop());

  const newUser = (fields: Partial<UserInput> = {}): UserInput => ({
    email: `e2e-${randomUUID()}@example.com`,
    name: "E2E User",
    ...fields,
  });
  const create = async (fields: Partial<UserInput> = {}) => (await createUser(api, newUser(fields))).user;

  describe("POST /users", () => {
    it("creates a user: 201 with Location, ETag and the stored user", async () => {
      const input = {
        email: `Mixed.Case-${randomUUID()}@Example.com`,
        name: "Mixed Case",
        phone: "+4915112345678",
        attributes: { plan: "pro", seats: 3, trial: false },
      };

      const { data, response } = await api.POST("/users", { body: input });

      expect(response.status).toBe(201);
      const user = User.parse(data);
      expect(user).toMatchObject({ email: input.email.toLowerCase(), name: input.name, phone: input.phone, attributes: input.attributes, version: 1 });
      expect(response.headers.get("location")).toBe(`/users/${user.userId}`);
      expect(etagOf(response)).toBe(etagOfVersion(1));
      expect(response.headers.get("content-type")).toBe("application/json");
    });

    it("refuses an email another user has, whatever its case, with 409", async () => {
      const { email } = await create();

      expectProblemResult(await api.POST("/users", { body: newUser({ email: email.toUpperCase() }) }), 409);
    });

    it("replays the first response for a repeated Idempotency-Key and refuses a different body with 422", async () => {
      const header = withIdempotencyKey();
      const input = newUser();

      const first = await api.POST("/users", { params: { header }, body: input });
      const replay = await api.POST("/users", { params: { header }, body: input });
      const different = await api.POST("/users", { params: { header }, body: newUser() });

      expect(first.response.status).toBe(201);
      expect(replay.response.status).toBe(201);
      expect(replay.data).toEqual(first.data);
      expectProblemResult(different, 422);
    });

    it("creates once however often createUser has to send, since every attempt carries the same key", async () => {
      const input = newUser();
      const created = await createUser(api, input);

      const again = await createUser(api, input, { idempotencyKey: created.idempotencyKey });

      expect(again.user).toEqual(created.user);
      expect(again.location).toBe(`/users/${created.user.userId}`);
    });

    it("refuses a body over 16 KiB with 413", async () => {
      expectProblemResult(await api.POST("/users", { body: newUser({ name: "x".repeat(MAX_BODY_BYTES) }) }), 413);
    });

    it("refuses an invalid email with 400 and says which field", async () => {
      const result = await api.POST("/users", { body: newUser({ email: "not-an-email" }) });

      expectProblemResult(result, 400);
      expect(result.error?.errors?.map((error) => error.path)).toContain("body.email");
    });

    // Bodies the typed client would never send.
    it.each([
      ["malformed JSON", '{"email": '],
      ["a JSON array", "[]"],
      ["a JSON string", '"user"'],
      ["an unknown field", JSON.stringify({ email: "a@example.com", name: "A", role: "admin" })],
      ["no body", ""],
    ])("refuses %s with 400", async (_, body) => {
      expectProblem(await target.raw("POST", "/users", { body }), 400);
    });
  });

  describe("GET /users/{userId}", () => {
    it("returns the user with its ETag", async () => {
      const user = await create();

      const result = await api.GET("/users/{userId}", { params: { path: { userId: user.userId } } });

      expect(unwrap(result)).toEqual(user);
      expect(etagOf(result.response)).toBe(etagOfVersion(1));
    });

    it("lets browsers read the answer and its ETag across origins", async () => {
      const user = await create();

      const { response } = await api.GET("/users/{userId}", {
        params: { path: { userId: user.userId } },
        headers: { origin: "https://somewhere.example.com" },
      });

      expect(response.headers.get("access-control-allow-origin")).toEqual(expect.any(String));
      expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
    });

    it.each([
      ["an id no user has", randomUUID()],
      ["an id that is not a UUID", "not-a-uuid"],
    ])("answers 404 for %s", async (_, userId) => {
      expectProblemResult(await api.GET("/users/{userId}", { params: { path: { userId } } }), 404);
    });
  });

  describe("GET /users", () => {
    it("lists users newest first, page by page, with nextCursor null on the last page", async () => {
      const created = [await create(), await create(), await create()];
      const createdIds = created.map((user) => user.userId);

      // Only as far as our three users: a deployed stage may hold many more, older ones.
      const pages: UserPage[] = [];
      for await (const page of userPages(api, { limit: 2 })) {
        pages.push(page);
        const seen = pages.flatMap(({ items }) => items).filter((user) => createdIds.includes(user.userId));
        if (seen.length === created.length) break;
      }

      const listed = pages.flatMap((page) => page.items);
      const order = (user: User) => `${user.createdAt}#${user.userId}`;
      expect(listed.map(order)).toEqual(listed.map(order).sort().reverse());
      expect(pages.every((page) => page.items.length === 2 || page.nextCursor === null)).toBe(true);
      const ours = listed.filter((user) => createdIds.includes(user.userId));
      expect(ours.map((user) => user.userId)).toEqual([...createdIds].reverse());
    });

    it("reaches the last page, whose nextCursor is null, when followed to the end", async () => {
      // From a cursor near the end: our newest user's page onwards would be the whole table on a big stage.
      const first = unwrap(await api.GET("/users", { params: { query: { limit: 100 } } }));
      let last: UserPage = first;
      if (first.nextCursor !== null) {
        for await (const page of userPages(api, { limit: 100, cursor: first.nextCursor })) last = page;
      }

      expect(last.nextCursor).toBeNull();
    });

    it("yields users one by one across pages with allUsers", async () => {
      const created = [await create(), await create()];

      const seen: string[] = [];
      for await (const user of allUsers(api, { limit: 1 })) {
        seen.push(user.userId);
        if (created.every(({ userId }) => seen.includes(userId))) break;
      }

      const ours = created.map((user) => user.userId);
      expect(seen.filter((userId) => ours.includes(userId))).toEqual([...ours].reverse());
    });

    it("refuses a tampered cursor with 400", async () => {
      await create();
      await create();
      const first = unwrap(await api.GET("/users", { params: { query: { limit: 1 } } }));
      const cursor = first.nextCursor ?? "";
      const tampered = tamperedCursor(cursor);

      expectProblemResult(await api.GET("/users", { params: { query: { limit: 1, cursor: tampered } } }), 400);
    });

    it.each([[0], [101]])("refuses limit=%s with 400", async (limit) => {
      expectProblemResult(await api.GET("/users", { params: { query: { limit } } }), 400);
    });

    it.each([["limit=ten"], ["size=5"], ["cursor="]])("refuses the query %s with 400", async (query) => {
      expectProblem(await target.raw("GET", `/users?${query}`), 400);
    });
  });

  describe("PUT and PATCH /users/{userId}", () => {
    it("replaces a user with PUT: version + 1 and a new ETag", async () => {
      const { user, etag } = await createUser(api, newUser({ phone: "+4915112345678" }));

      const result = await api.PUT("/users/{userId}", {
        params: { path: { userId: user.userId }, header: ifMatch(etag) },
        body: { email: user.email, name: "Replaced" },
      });

      const replaced = unwrap(result);
      expect(replaced).toMatchObject({ userId: user.userId, name: "Replaced", version: 2, createdAt: user.createdAt });
      expect(replaced).not.toHaveProperty("phone");
      expect(etagOf(result.response)).toBe(etagOfVersion(2));
    });

    it("patches a user with a merge patch: null removes the phone, other fields stay", async () => {
      const user = await create({ phone: "+4915112345678", attributes: { plan: "pro" } });

      const result = await api.PATCH("/users/{userId}", {
        params: { path: { userId: user.userId } },
        body: { phone: null, attributes: { seats: 5 } },
        headers: { "content-type": "application/merge-patch+json" },
      });

      const patched = unwrap(result);
      expect(patched).toMatchObject({ name: user.name, email: user.email, attributes: { plan: "pro", seats: 5 }, version: 2 });
      expect(patched).not.toHaveProperty("phone");
      expect(etagOf(result.response)).toBe(etagOfVersion(2));
      expect(unwrap(await api.GET("/users/{userId}", { params: { path: { userId: user.userId } } }))).toEqual(patched);
    });

    it.each(["PUT", "PATCH"] as const)("refuses %s with a stale If-Match with 412 and changes nothing", async (method) => {
      const { user, etag } = await createUser(api, newUser());
      const path = { userId: user.userId };
      unwrap(await api.PATCH("/users/{userId}", { params: { path }, body: { name: "Second" } }));

      const body = { email: user.email, name: "Third" };
      const result =
        method === "PUT"
          ? await api.PUT("/users/{userId}", { params: { path, header: ifMatch(etag) }, body })
          : await api.PATCH("/users/{userId}", { params: { path, header: ifMatch(etag) }, body });

      expectProblemResult(result, 412);
      expect(unwrap(await api.GET("/users/{userId}", { params: { path } }))).toMatchObject({ name: "Second", version: 2 });
    });

    it("refuses to change the email to one another user has, with 409", async () => {
      const taken = await create();
      const user = await create();

      expectProblemResult(await api.PATCH("/users/{userId}", { params: { path: { userId: user.userId } }, body: { email: taken.email.toUpperCase() } }), 409);
    });

    it("refuses a patch whose result is not a valid user with 400", async () => {
      const user = await create();

      expectProblemResult(await api.PATCH("/users/{userId}", { params: { path: { userId: user.userId } }, body: { name: "   " } }), 400);
    });

    it("answers 404 when the user does not exist", async () => {
      expectProblemResult(await api.PATCH("/users/{userId}", { params: { path: { userId: randomUUID() } }, body: { name: "Nobody" } }), 404);
    });
  });

  describe("DELETE /users/{userId}", () => {
    it("deletes a user: 204, then 404, and the email is free again", async () => {
      const user = await create();
      const path = { userId: user.userId };

      const result = await api.DELETE("/users/{userId}", { params: { path } });

      expect(result.response.status).toBe(204);
      expectProblemResult(await api.GET("/users/{userId}", { params: { path } }), 404);
      expectProblemResult(await api.DELETE("/users/{userId}", { params: { path } }), 404);
      expect((await api.POST("/users", { body: { email: user.email, name: "Again" } })).response.status).toBe(201);
    });

    it("refuses a stale If-Match with 412", async () => {
      const { user, etag } = await createUser(api, newUser());
      const path = { userId: user.userId };
      unwrap(await api.PATCH("/users/{userId}", { params: { path }, body: { name: "Changed" } }));

      expectProblemResult(await api.DELETE("/users/{userId}", { params: { path, header: ifMatch(etag) } }), 412);
    });
  });

  it.each([
    ["GET", "/accounts"],
    ["GET", "/users/123/extra"],
    ["DELETE", "/"],
  ])("answers %s %s, which no resource serves, with 404", async (method, path) => {
    expectProblem(await target.raw(method, path), 404);
  });

  it.each([
    ["POST", "/users/123", "GET, PUT, PATCH, DELETE, OPTIONS"],
    ["PUT", "/users", "GET, POST, OPTIONS"],
    ["DELETE", "/users", "GET, POST, OPTIONS"],
  ])("answers %s %s, a method the resource lacks, with 405 naming what it allows, key or no key", async (method, path, allow) => {
    for (const key of [undefined, null]) {
      const response = await target.raw(method, path, { key });
      expectProblem(response, 405);
      expect(response.json).toMatchObject({
        type: "/problems/method-not-allowed",
        detail: `This resource has no such method; it has ${allow}, as the Allow header says.`,
      });
      expect(response.headers.get("allow")).toBe(allow);
    }
  });

  it("answers HEAD on a resource without it with 405 and Allow, and no body", async () => {
    const response = await target.raw("HEAD", "/users");
    expect({ status: response.status, allow: response.headers.get("allow"), text: response.text }).toEqual({
      status: 405,
      allow: "GET, POST, OPTIONS",
      text: "",
    });
  });
});
