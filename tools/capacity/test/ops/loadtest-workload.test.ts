import type { RouteName } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { Mix, mixes, routeNames, sharesOf, weightedRoundRobin, weightsOf } from "../../src/loadtest/mix.js";
import { rateWindow } from "../../src/loadtest/run.js";
import { Workload, type Answer, type PlannedRequest } from "../../src/loadtest/workload.js";

const count = (picks: readonly RouteName[]) => Object.fromEntries(routeNames.map((name) => [name, picks.filter((pick) => pick === name).length]));

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
  const known = "user" in request ? request.user : undefined;
  const user = { userId: known?.userId ?? `user-${Math.random()}`, email: known?.email ?? `new-${Math.random()}@example.com` };
  const status = { createUser: 201, listUsers: 200, getUser: 200, replaceUser: 200, patchUser: 200, deleteUser: 204 }[request.route];
  const etag = known ? `"${Number(JSON.parse(known.etag)) + 1}"` : '"1"';
  const body = request.route === "listUsers" ? { items: [], nextCursor: "page-2" } : request.route === "deleteUser" ? undefined : user;
  return { status, body, etag, ...overrides };
}

/** The request, narrowed to its route (fails the test when it is another). */
function expectRoute<R extends PlannedRequest["route"]>(request: PlannedRequest, route: R): Extract<PlannedRequest, { route: R }> {
  expect(request.route).toBe(route);
  return request as Extract<PlannedRequest, { route: R }>;
}

describe("the workload", () => {
  it("creates a user first when a route needs one and none is known", () => {
    const workload = new Workload({ mix: weightsOf({ getUser: 1 }), runId: "r1" });
    expectRoute(workload.next(), "createUser");
  });

  it("creates users with unique emails and idempotency keys", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1 }), runId: "r2" });
    const creates = Array.from({ length: 5 }, () => expectRoute(workload.next(), "createUser"));
    const emails = creates.map((request) => request.body.email);
    expect(new Set(emails).size).toBe(5);
    expect(new Set(creates.map((request) => request.idempotencyKey)).size).toBe(5);
    expect(emails.every((email) => email.includes("r2"))).toBe(true);
  });

  it("updates with If-Match from the last ETag it saw for the user", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1, patchUser: 1 }), runId: "r3" });
    const create = expectRoute(workload.next(), "createUser");
    workload.settle(create, { status: 201, body: { userId: "u-1", email: "a@example.com" }, etag: '"1"' });
    const patch = expectRoute(workload.next(), "patchUser");
    expect(patch.user).toEqual({ userId: "u-1", email: "a@example.com", etag: '"1"' });
    workload.settle(patch, { status: 200, body: { userId: "u-1", email: "a@example.com" }, etag: '"2"' });
    workload.next(); // a create
    expect(expectRoute(workload.next(), "patchUser").user.etag).toBe('"2"');
  });

  it("never has two requests in flight on one user", () => {
    const workload = new Workload({ mix: weightsOf({ createUser: 1, getUser: 3, deleteUser: 1 }), runId: "r4" });
    const inFlight: PlannedRequest[] = [];
    const userOf = (request: PlannedRequest) => ("user" in request ? request.user.userId : undefined);
    for (let i = 0; i < 200; i++) {
      const request = workload.next();
      if (userOf(request)) expect(inFlight.map(userOf)).not.toContain(userOf(request));
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
    const remove = expectRoute(workload.next(), "deleteUser");
    expect(remove.user.etag).toBe('"1"');
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
    const first = expectRoute(workload.next(), "listUsers");
    expect(first.query).toEqual({ limit: 5 });
    workload.settle(first, { status: 200, body: { items: [], nextCursor: "abc+/=" }, etag: undefined });
    const second = expectRoute(workload.next(), "listUsers");
    expect(second.query).toEqual({ limit: 5, cursor: "abc+/=" });
    workload.settle(second, { status: 200, body: { items: [], nextCursor: null }, etag: undefined });
    expect(expectRoute(workload.next(), "listUsers").query).toEqual({ limit: 5 });
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

describe("the load test's rate windows", () => {
  it.each([
    [10, { intervalCap: 1, interval: 100 }],
    [100, { intervalCap: 1, interval: 10 }],
    [250, { intervalCap: 3, interval: 12 }],
    [10_000, { intervalCap: 100, interval: 10 }],
  ])("start %d requests a second as %j", (rate, window) => {
    expect(rateWindow(rate)).toEqual(window);
  });
});
