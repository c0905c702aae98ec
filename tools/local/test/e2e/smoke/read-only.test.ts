import { randomUUID } from "node:crypto";
import { createUsersApiClient, unwrap, userPages, type UsersApiClient, type UserPage } from "@users-api/client";
import { User, UserPage as UserPageSchema } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eTarget, expectProblemResult, type E2eTarget } from "../target.js";

/**
 * A smoke test that changes nothing, for prod after each deploy: it holds only a read-only key, reads, and sends
 * only requests the API must refuse before writing anything.
 */
describe("read-only smoke test", () => {
  let target: E2eTarget;
  let api: UsersApiClient;
  beforeAll(async () => {
    target = await e2eTarget("smoke", "read-only");
    api = target.client(target.keys.readOnly);
  });
  afterAll(() => target?.stop());

  it("lists users: a page of valid users, and the next page through its cursor", async () => {
    const pages: UserPage[] = [];
    for await (const page of userPages(api, { limit: 2 })) {
      pages.push(UserPageSchema.parse(page));
      if (pages.length === 2) break;
    }

    expect(pages[0]?.items.length).toBeLessThanOrEqual(2);
    expect(pages.length === 2 || pages[0]?.nextCursor === null).toBe(true);
  });

  it("reads a listed user with its ETag, or answers 404 for one that does not exist", async () => {
    const [listed] = unwrap(await api.GET("/users", { params: { query: { limit: 1 } } })).items;
    const missing = await api.GET("/users/{userId}", { params: { path: { userId: randomUUID() } } });

    expectProblemResult(missing, 404);
    if (listed) {
      const found = await api.GET("/users/{userId}", { params: { path: { userId: listed.userId } } });
      expect(User.parse(unwrap(found))).toEqual(listed);
      expect(found.response.headers.get("etag")).toBe(`"${listed.version}"`);
    }
  });

  it("refuses a request without a key, or with a key nobody issued, with 401", async () => {
    expectProblemResult(await target.client(null).GET("/users"), 401);
    expectProblemResult(await createUsersApiClient({ baseUrl: target.url, apiKey: `uak_${randomUUID()}` }).GET("/users"), 401);
  });

  it("refuses invalid queries with 400", async () => {
    expectProblemResult(await api.GET("/users", { params: { query: { limit: 0 } } }), 400);
    expectProblemResult(await api.GET("/users", { params: { query: { cursor: "not-a-cursor-this-api-issued" } } }), 400);
  });

  it("holds a key that cannot write: a create is refused with 403 (its empty body could never create a user anyway)", async () => {
    // With a key that could write, this would be a 400 for the empty body, still writing nothing.
    const result = await api.POST("/users", { body: {} as never });

    expectProblemResult(result, 403);
  });

  it("answers a path no route serves with 404", async () => {
    const result = await target.raw("GET", "/accounts", { key: target.keys.readOnly });

    expect(result.status).toBe(404);
  });
});
