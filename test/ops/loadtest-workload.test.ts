import type { RouteName } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { Mix, mixes, routeNames, sharesOf, weightedRoundRobin, weightsOf } from "../../scripts/loadtest/mix.js";
import { Workload, type Answer, type PlannedRequest } from "../../scripts/loadtest/workload.js";

const count = (picks: readonly RouteName[]) =>
  Object.fromEntries(routeNames.map((name) => [name, picks.filter((pick) => pick === name).length]));

describe("route mixes", () => {
  it.each(Object.keys(mixes) as (keyof typeof mixes)[])("%s picks each route exactly its weight in every cycle", (name) => {
    const weights = weightsOf(name);
    const cycle = routeNames.reduce((sum, route) => sum + weights[route], 0);
    const pick = weightedRoundRobin(weights);
    const picks = Array.from({ length: 3 * cycle }, pick);
    expect(count(picks)).toEqual(Object.fromEntries(routeNames.map((route) => [route, 3 * weights[route]])));
    // Every route appears within the first cycle, so a short run reaches all of them.
    expect(new Set(picks.slice(0, cycle)).size).toBe(routeNames.length);
  });

  it("read-heavy is 80 % reads and write-heavy 40 %", () => {
    const readShare = (mix: Mix) => sharesOf(mix).getUser + sharesOf(mix).listUsers;
    expect(readShare("read-heavy")).toBeCloseTo(0.8);
    expect(readShare("write-heavy")).toBeCloseTo(0.4);
  });

  it("accepts weights per route and rejects unknown routes or all-zero weights", () => {
    expect(weightsOf(Mix.parse({ getUser: 2 }))).toEqual({ listUsers: 0, createUser: 0, getUser: 2, replaceUser: 0, patchUser: 0, deleteUser: 0 });
    expect(Mix.safeParse({ fetchUser: 1 }).success).toBe(false);
    expect(Mix.safeParse({ getUser: 0 }).success).toBe(false);
  });
});

/** Answers as the API would, inventing users for creates. */
function answer(request: PlannedRequest, overrides: Partial<Answer> = {}): Answer {
  const n = Number(request.path.length);
  const user = { userId: request.user?.userId ?? `user-${n}-${Math.random()}`, email: request.user?.email ?? `new-${n}@example.com` };
  const status = { createUser: 201, listUsers: 200, getUser: 200, replaceUser: 200, patchUser: 200, deleteUser: 204 }[request.route];
  const etag = request.user ? `"${Number(JSON.parse(request.user.etag)) + 1}"` : '"1"';
  const body = request.route === "listUsers" ? JSON.stringify({ items: [], nextCursor: "page-2" }) : JSON.stringify(user);
  return { status, body, headers: { ETag: etag }, ...overrides };
}

describe("the workload", () => {
  it("creates a user first when a route needs one and none is known", () => {
    const workload = new Workload({ mix: weightsOf({ getUser: 1 }), runId: "r1" });
    const first = workload.next();
    expect(first).toMatchObject({ route: "createUser", method: "POST", path: "/users" });
  });

  it("creates users with unique emails and idempotency keys", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1 }), runId: "r2" });
    const creates = Array.from({ length: 5 }, () => workload.next());
    const emails = creates.map((request) => (JSON.parse(request.body!) as { email: string }).email);
    expect(new Set(emails).size).toBe(5);
    expect(new Set(creates.map((request) => request.headers["idempotency-key"])).size).toBe(5);
    expect(emails.every((email) => email.includes("r2"))).toBe(true);
  });

  it("updates with If-Match from the last ETag it saw for the user", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1, patchUser: 1 }), runId: "r3", basePath: "/prod" });
    const create = workload.next();
    expect(create.route).toBe("createUser");
    workload.settle(create, { status: 201, body: JSON.stringify({ userId: "u-1", email: "a@example.com" }), headers: { etag: '"1"' } });
    const patch = workload.next();
    expect(patch).toMatchObject({ route: "patchUser", method: "PATCH", path: "/prod/users/u-1", user: { userId: "u-1" } });
    expect(patch.headers["if-match"]).toBe('"1"');
    expect(patch.headers["content-type"]).toBe("application/merge-patch+json");
    workload.settle(patch, { status: 200, body: JSON.stringify({ userId: "u-1", email: "a@example.com" }), headers: { ETag: '"2"' } });
    workload.next(); // a create
    const next = workload.next();
    expect(next.route).toBe("patchUser");
    expect(next.headers["if-match"]).toBe('"2"');
  });

  it("never has two requests in flight on one user", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1, getUser: 3, deleteUser: 1 }), runId: "r4" });
    const inFlight: PlannedRequest[] = [];
    for (let i = 0; i < 200; i++) {
      const request = workload.next();
      if (request.user) expect(inFlight.map((other) => other.user?.userId)).not.toContain(request.user.userId);
      inFlight.push(request);
      // Settle the oldest request now and then, so several stay in flight.
      if (i % 3 === 0) {
        const settled = inFlight.shift()!;
        workload.settle(settled, answer(settled));
      }
    }
  });

  it("forgets deleted users and users whose request got no answer", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1, deleteUser: 1 }), runId: "r5" });
    const create = workload.next();
    workload.settle(create, answer(create));
    expect(workload.idleUsers).toBe(1);
    const remove = workload.next();
    expect(remove.route).toBe("deleteUser");
    expect(remove.headers["if-match"]).toBe('"1"');
    workload.settle(remove, answer(remove));
    expect(workload.idleUsers).toBe(0);

    const again = workload.next();
    workload.settle(again, answer(again));
    const lost = workload.next();
    workload.settle(lost, undefined);
    expect(workload.idleUsers).toBe(0);
  });

  it("follows nextCursor through the pages of GET /users and starts over after the last", () => {
    const workload = new Workload({ mix: weightsOf({ listUsers: 1 }), runId: "r6", pageSize: 5 });
    const first = workload.next();
    expect(first.path).toBe("/users?limit=5");
    workload.settle(first, { status: 200, body: JSON.stringify({ items: [], nextCursor: "abc+/=" }), headers: {} });
    const second = workload.next();
    expect(second.path).toBe(`/users?limit=5&cursor=${encodeURIComponent("abc+/=")}`);
    workload.settle(second, { status: 200, body: JSON.stringify({ items: [], nextCursor: null }), headers: {} });
    expect(workload.next().path).toBe("/users?limit=5");
  });

  it("counts only the statuses a working API gives this workload as expected", () => {
    const workload = new Workload({ mix: weightsOf("read-heavy"), runId: "r7" });
    expect(workload.isExpected("createUser", 201)).toBe(true);
    expect(workload.isExpected("deleteUser", 204)).toBe(true);
    expect(workload.isExpected("patchUser", 412)).toBe(false);
    expect(workload.isExpected("getUser", 404)).toBe(false);
    expect(workload.isExpected("listUsers", 500)).toBe(false);
  });
});
