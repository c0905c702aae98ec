import { randomUUID } from "node:crypto";
import { createUser, ifMatch, unwrap, updateUser, type UsersApiClient } from "@users-api/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eTarget, type E2eTarget } from "../target.js";

function statusCounts(responses: readonly { response: Response }[]) {
  const counts: Record<number, number> = {};
  for (const { response } of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

/** Simultaneous requests, each in its own execution environment, as on Lambda. */
describe("concurrent requests", () => {
  let target: E2eTarget;
  let api: UsersApiClient;
  beforeAll(async () => {
    target = await e2eTarget("concurrency");
    api = target.client();
    // Caches the key's policy, so the burst below does not start twenty authorizer environments.
    expect((await api.GET("/users", { params: { query: { limit: 1 } } })).response.status).toBe(200);
  });
  afterAll(() => target?.stop());

  const newUser = async (name: string) => (await createUser(api, { email: `${name}-${randomUUID()}@example.com`, name })).user;

  it("creates exactly one of 20 simultaneous users with one email and answers the other 19 with 409", async () => {
    const email = `race-${randomUUID()}@example.com`;

    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => api.POST("/users", { body: { email, name: `Racer ${index}` } })));

    expect(statusCounts(results)).toEqual({ 201: 1, 409: 19 });
  });

  it("accepts exactly one of 10 simultaneous PATCHes with the same If-Match and answers the other nine with 412", async () => {
    const { userId, version } = await newUser("if-match");
    const path = { userId };

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        api.PATCH("/users/{userId}", { params: { path, header: ifMatch(`"${version}"`) }, body: { name: `Writer ${index}` } }),
      ),
    );

    expect(statusCounts(results)).toEqual({ 200: 1, 412: 9 });
    const winner = unwrap(results.find(({ response }) => response.status === 200)!);
    expect(unwrap(await api.GET("/users/{userId}", { params: { path } }))).toMatchObject({ name: winner.name, version: 2 });
  });

  it("loses no update among 10 simultaneous PATCHes without If-Match, each setting its own attribute", async () => {
    const { userId } = await newUser("no-lost-update");
    const path = { userId };

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => api.PATCH("/users/{userId}", { params: { path }, body: { attributes: { [`writer${index}`]: index } } })),
    );

    expect(statusCounts(results)).toEqual({ 200: 10 });
    const final = unwrap(await api.GET("/users/{userId}", { params: { path } }));
    expect(final.attributes).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`writer${index}`, index])));
    expect(final.version).toBe(11);
  });

  it("counts every one of 5 simultaneous read-modify-write increments with updateUser, which retries on 412", async () => {
    const { userId } = await newUser("increments");

    await Promise.all(
      Array.from({ length: 5 }, () =>
        updateUser(api, userId, (user) => ({ attributes: { count: Number(user.attributes?.count ?? 0) + 1 } }), { attempts: 10 }),
      ),
    );

    expect(unwrap(await api.GET("/users/{userId}", { params: { path: { userId } } }))).toMatchObject({ attributes: { count: 5 }, version: 6 });
  });
});
