import { randomUUID } from "node:crypto";
import { authorizer, routeList, User, UserPage } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantsOf, localGrantTargets, startIamProxy, type IamProxy } from "../../src/iam/index.js";
import { startTestApi, type TestApi } from "../helpers/local-api.js";

/** The whole API with every AWS call of every function going through the IAM proxy that enforces its grants. */
describe("the API under its functions' grants", () => {
  let iam: IamProxy | undefined;
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("least-privilege", async (stage) => {
      iam = await startIamProxy({ stage });
      return { awsEnvironmentFor: iam.environmentFor };
    });
  });
  afterAll(async () => {
    await api?.stop();
    await iam?.stop();
  });

  it("serves every route with no call denied, and every function uses its grants", async () => {
    const email = `grants-${Date.now()}@example.com`;
    const idempotencyKey = randomUUID();
    const created = await api.request("POST", "/users", { body: { email, name: "Granted" }, headers: { "idempotency-key": idempotencyKey } });
    expect(created.status, created.text).toBe(201);
    const replayed = await api.request("POST", "/users", { body: { email, name: "Granted" }, headers: { "idempotency-key": idempotencyKey } });
    expect(replayed.json).toEqual(created.json);
    // A failed idempotent create removes its in-progress record.
    const taken = await api.request("POST", "/users", { body: { email, name: "Taken" }, headers: { "idempotency-key": randomUUID() } });
    expect(taken.status).toBe(409);
    const { userId } = User.parse(created.json);
    await api.request("POST", "/users", { body: { email: `second-${email}`, name: "Second" } });

    const firstPage = UserPage.parse((await api.request("GET", "/users?limit=1")).json);
    const statuses = [
      (await api.request("GET", `/users?limit=1&cursor=${encodeURIComponent(firstPage.nextCursor ?? "")}`)).status,
      (await api.request("GET", `/users/${userId}`)).status,
      (await api.request("PUT", `/users/${userId}`, { body: { email: `replaced-${email}`, name: "Replaced" } })).status,
      (await api.request("PATCH", `/users/${userId}`, { body: { email: `changed-${email}` } })).status,
      (await api.request("DELETE", `/users/${userId}`)).status,
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
