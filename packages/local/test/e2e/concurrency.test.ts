import { User, etagOf } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type ApiResponse, type TestApi } from "../helpers/local-api.js";

const statusCounts = (responses: readonly ApiResponse[]) =>
  responses.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

/** Simultaneous requests over HTTP, each in its own execution environment, as on Lambda. */
describe("concurrent requests", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("concurrency");
    // Caches the key's policy, so the burst below does not start twenty authorizer environments.
    expect((await api.request("GET", "/users?limit=1")).status).toBe(200);
  });
  afterAll(() => api?.stop());

  const createUser = async (name: string) => {
    const response = await api.request("POST", "/users", { body: { email: `${name}-${Date.now()}@example.com`, name } });
    expect(response.status, response.text).toBe(201);
    return User.parse(response.json);
  };

  it("creates exactly one of 20 simultaneous users with one email and answers the other 19 with 409", async () => {
    const email = `race-${Date.now()}@example.com`;

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => api.request("POST", "/users", { body: { email, name: `Racer ${index}` } })),
    );

    expect(statusCounts(responses)).toEqual({ 201: 1, 409: 19 });
  });

  it("accepts exactly one of 10 simultaneous PATCHes with the same If-Match and answers the other nine with 412", async () => {
    const user = await createUser("if-match");

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        api.request("PATCH", `/users/${user.userId}`, { body: { name: `Writer ${index}` }, headers: { "if-match": etagOf(user.version) } }),
      ),
    );

    expect(statusCounts(responses)).toEqual({ 200: 1, 412: 9 });
    const winner = User.parse(responses.find((response) => response.status === 200)?.json);
    expect(User.parse((await api.request("GET", `/users/${user.userId}`)).json)).toMatchObject({ name: winner.name, version: 2 });
  });

  it("loses no update among 10 simultaneous PATCHes without If-Match, each setting its own attribute", async () => {
    const user = await createUser("no-lost-update");

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => api.request("PATCH", `/users/${user.userId}`, { body: { attributes: { [`writer${index}`]: index } } })),
    );

    expect(statusCounts(responses)).toEqual({ 200: 10 });
    const final = User.parse((await api.request("GET", `/users/${user.userId}`)).json);
    expect(final.attributes).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`writer${index}`, index])));
    expect(final.version).toBe(11);
  });
});
