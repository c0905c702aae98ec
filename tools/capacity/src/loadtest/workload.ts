import type { UserInput, UserPatch } from "@users-api/client";
import type { RouteName } from "@users-api/core";
import { weightedRoundRobin, type MixWeights } from "./mix.js";

/**
 * What a realistic client does, one request at a time: creates users with
 * unique emails and an Idempotency-Key, reads them, lists pages following
 * `nextCursor`, updates them with `If-Match` from the last `ETag`, and deletes
 * them. Pure state, no I/O: the runner sends what {@link Workload.next} plans
 * through the typed client and hands the answer to {@link Workload.settle}.
 */

export interface KnownUser {
  readonly userId: string;
  readonly email: string;
  readonly etag: string;
}

/** One call of the API, as the typed client makes it; requests on a user carry it, checked out of the pool. */
export type PlannedRequest =
  | { readonly route: "listUsers"; readonly query: { readonly limit: number; readonly cursor?: string } }
  | { readonly route: "createUser"; readonly idempotencyKey: string; readonly body: UserInput }
  | { readonly route: "getUser"; readonly user: KnownUser }
  | { readonly route: "patchUser"; readonly user: KnownUser; readonly body: UserPatch }
  | { readonly route: "replaceUser"; readonly user: KnownUser; readonly body: UserInput }
  | { readonly route: "deleteUser"; readonly user: KnownUser };

export interface Answer {
  readonly status: number;
  /** The parsed body (a user, a page, a problem), or `undefined` when there is none. */
  readonly body: unknown;
  /** The `ETag` header, if any. */
  readonly etag: string | undefined;
}

/**
 * Statuses each route gives this workload when the API works. The workload
 * never has two requests in flight on one user, so a 404 or 412 means a bug
 * or someone else's traffic, and counts as an error.
 */
export const expectedStatuses: Readonly<Record<RouteName, readonly number[]>> = {
  listUsers: [200],
  getUser: [200],
  createUser: [201],
  replaceUser: [200],
  patchUser: [200],
  deleteUser: [204],
};

export interface WorkloadOptions {
  readonly mix: MixWeights;
  /** Makes emails and idempotency keys unique across runs. */
  readonly runId: string;
  /** Users per page of GET /users. @default 10 */
  readonly pageSize?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** Routes that act on one existing user. */
const needsUser = (route: RouteName) => route === "getUser" || route === "patchUser" || route === "replaceUser" || route === "deleteUser";

export class Workload {
  readonly #pick: () => RouteName;
  readonly #runId: string;
  readonly #pageSize: number;
  /** Users no request is acting on right now. */
  readonly #idle: KnownUser[] = [];
  #nextCursor: string | undefined;
  #sequence = 0;

  constructor(options: WorkloadOptions) {
    this.#pick = weightedRoundRobin(options.mix);
    this.#runId = options.runId;
    this.#pageSize = options.pageSize ?? 10;
  }

  /** Users known to exist and free to use. */
  get idleUsers(): number {
    return this.#idle.length;
  }

  /** The next request of the mix; a route needing a user creates one when none is free. */
  next(): PlannedRequest {
    const picked = this.#pick();
    const route = needsUser(picked) && this.#idle.length === 0 ? "createUser" : picked;
    const n = ++this.#sequence;
    switch (route) {
      case "createUser":
        return {
          route,
          idempotencyKey: `loadtest-${this.#runId}-${n}`,
          body: { email: `loadtest-${this.#runId}-${n}@example.com`, name: `Load Test ${n}`, attributes: { source: "loadtest", run: this.#runId } },
        };
      case "listUsers":
        return { route, query: { limit: this.#pageSize, ...(this.#nextCursor === undefined ? {} : { cursor: this.#nextCursor }) } };
      case "getUser":
        return { route, user: this.#checkOut(n) };
      case "patchUser":
        return { route, user: this.#checkOut(n), body: { name: `Patched ${n}`, attributes: { lastPatch: n } } };
      case "replaceUser": {
        const user = this.#checkOut(n);
        // One replacement in ten changes the email, which moves its uniqueness guard too.
        const email = n % 10 === 0 ? `loadtest-${this.#runId}-${n}@example.com` : user.email;
        return { route, user, body: { email, name: `Replaced ${n}`, phone: "+15555550100" } };
      }
      case "deleteUser":
        return { route, user: this.#checkOut(n) };
    }
  }

  /** Whether a status is one the route should give this workload. */
  isExpected(route: RouteName, status: number): boolean {
    return expectedStatuses[route].includes(status);
  }

  /** Learns from an answer (`undefined`: none came) and returns the request's user to the pool if it still exists. */
  settle(request: PlannedRequest, answer: Answer | undefined): void {
    if (!answer) return; // The user's state is unknown now: leave it out of the pool.
    const { body, etag } = answer;
    switch (request.route) {
      case "createUser":
        if (answer.status === 201 && isRecord(body) && typeof body.userId === "string" && typeof body.email === "string" && etag) {
          this.#idle.push({ userId: body.userId, email: body.email, etag });
        }
        return;
      case "listUsers":
        if (answer.status === 200 && isRecord(body)) this.#nextCursor = typeof body.nextCursor === "string" ? body.nextCursor : undefined;
        return;
      case "deleteUser":
        if (answer.status !== 204 && answer.status !== 404) this.#idle.push(request.user);
        return;
      default: {
        if (answer.status === 404) return;
        const updated = answer.status < 300 && etag && isRecord(body) && typeof body.email === "string";
        this.#idle.push(updated ? { ...request.user, email: body.email as string, etag } : request.user);
      }
    }
  }

  #checkOut(n: number): KnownUser {
    // Rotate through the pool so reads and writes spread over the users.
    const index = n % this.#idle.length;
    const [user] = this.#idle.splice(index, 1);
    return user!;
  }
}
