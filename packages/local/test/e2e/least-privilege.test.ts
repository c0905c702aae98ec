import { randomUUID } from "node:crypto";
import { authorizer, routeList, User, UserPage } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIamProxy, type IamProxy } from "../../src/iam/index.js";
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
    const created = await api.request("POST", "/users", { body: { email, name: "Granted" }, headers: { "idempotency-key": randomUUID() } });
    expect(created.status, created.text).toBe(201);
    const { userId } = User.parse(created.json);
    await api.request("POST", "/users", { body: { email: `second-${email}`, name: "Second" } });

    const firstPage = UserPage.parse((await api.request("GET", "/users?limit=1")).json);
    const statuses = [
      (await api.request("GET", `/users?limit=1&cursor=${encodeURIComponent(firstPage.nextCursor ?? "")}`)).status,
      (await api.request("GET", `/users/${userId}`)).status,
      (await api.request("PUT", `/users/${userId}`, { body: { email, name: "Replaced" } })).status,
      (await api.request("PATCH", `/users/${userId}`, { body: { email: `changed-${email}` } })).status,
      (await api.request("DELETE", `/users/${userId}`)).status,
    ];

    expect(statuses).toEqual([200, 200, 200, 200, 204]);
    expect(iam?.denials()).toEqual([]);
    const callers = new Set(iam?.usage().map((call) => call.functionId));
    expect([...callers].sort()).toEqual([...routeList.map((route) => route.id), authorizer.id].sort());
  });
});
