import { createUsersApiClient, createUser, unwrap, withIdempotencyKey, type UsersApiClient } from "@users-api/client";
import { authorizer, routeList } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantsOf, localGrantTargets, startIamProxy, type IamProxy } from "../../../src/iam/index.js";
import { startTestApi, type TestApi } from "../../helpers/local-api.js";

/** Local only: every AWS call of every function goes through the IAM proxy that enforces its grants. */
describe("the API under its functions' grants", () => {
  let iam: IamProxy | undefined;
  let api: TestApi;
  let client: UsersApiClient;
  beforeAll(async () => {
    api = await startTestApi("least-privilege", async (stage) => {
      iam = await startIamProxy({ stage });
      return { awsEnvironmentFor: iam.environmentFor };
    });
    client = createUsersApiClient({ baseUrl: api.url, apiKey: api.keys.full, retry: false });
  });
  afterAll(async () => {
    await api?.stop();
    await iam?.stop();
  });

  it("serves every route with no call denied, and every function uses its grants", async () => {
    const email = `grants-${Date.now()}@example.com`;
    const header = withIdempotencyKey();
    const created = await client.POST("/users", { params: { header }, body: { email, name: "Granted" } });
    expect(created.response.status).toBe(201);
    const replayed = await client.POST("/users", { params: { header }, body: { email, name: "Granted" } });
    expect(replayed.data).toEqual(created.data);
    // A failed idempotent create removes its in-progress record.
    const taken = await client.POST("/users", { params: { header: withIdempotencyKey() }, body: { email, name: "Taken" } });
    expect(taken.response.status).toBe(409);
    const { userId } = unwrap(created);
    await createUser(client, { email: `second-${email}`, name: "Second" });

    const firstPage = unwrap(await client.GET("/users", { params: { query: { limit: 1 } } }));
    const path = { userId };
    const statuses = [
      (await client.GET("/users", { params: { query: { limit: 1, cursor: firstPage.nextCursor ?? "" } } })).response.status,
      (await client.GET("/users/{userId}", { params: { path } })).response.status,
      (await client.PUT("/users/{userId}", { params: { path }, body: { email: `replaced-${email}`, name: "Replaced" } })).response.status,
      (await client.PATCH("/users/{userId}", { params: { path }, body: { email: `changed-${email}` } })).response.status,
      (await client.DELETE("/users/{userId}", { params: { path } })).response.status,
    ];

    expect(statuses).toEqual([200, 200, 200, 200, 204]);
    expect(iam?.denials()).toEqual([]);
    const callers = new Set(iam?.usage().map((call) => call.functionId));
    expect([...callers].sort()).toEqual([...routeList.map((route) => route.id), authorizer.id].sort());

    // No spare grants: every action a function is granted is used on every resource it is granted on, except
    // the `.fallback` path SST's Config.Secret binding adds (read only when a stage has no value of its own).
    const used = new Set(iam?.usage().map((call) => `${call.functionId} ${call.action} ${call.resource}`.toLowerCase()));
    const unused = [...routeList, authorizer].flatMap((definition) =>
      grantsOf(definition, localGrantTargets(api.stage)).flatMap((statement) =>
        statement.actions.flatMap((action) =>
          statement.resources
            .filter((resource) => !resource.includes("/.fallback/"))
            .map((resource) => `${definition.id} ${action} ${resource}`)
            .filter((grant) => !used.has(grant.toLowerCase())),
        ),
      ),
    );
    expect(unused).toEqual([]);
  });
});
