import { routes, type HttpMethod, type RouteName } from "@users-api/core";
import { weightedRoundRobin, type MixWeights } from "./mix.js";

/**
 * What a realistic client does, one request at a time: creates users with
 * unique emails, reads them, lists pages following `nextCursor`, updates
 * them with `If-Match` from the last `ETag`, and deletes them. Pure state, no
 * I/O: the runner sends what {@link Workload.next} plans and hands the answer
 * to {@link Workload.settle}.
 */

export interface PlannedRequest {
  readonly route: RouteName;
  readonly method: HttpMethod;
  /** Path and query, under the base path. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The user the request acts on, checked out of the pool until it is settled. */
  readonly user?: KnownUser;
}

export interface KnownUser {
  readonly userId: string;
  readonly email: string;
  readonly etag: string;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  /** Header names in any case, as received. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
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
  /** Path of the API root, e.g. `/prod` for an API Gateway stage URL, or `` locally. */
  readonly basePath?: string;
  /** Makes emails and idempotency keys unique across runs. */
  readonly runId: string;
  /** Users per page of GET /users. @default 10 */
  readonly pageSize?: number;
}

const headerOf = (headers: Answer["headers"], name: string): string | undefined => {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
};

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** Routes that act on one existing user. */
const needsUser = (route: RouteName) => routes[route].path.includes("{userId}");

export class Workload {
  readonly #pick: () => RouteName;
  readonly #basePath: string;
  readonly #runId: string;
  readonly #pageSize: number;
  /** Users no request is acting on right now. */
  readonly #idle: KnownUser[] = [];
  #nextCursor: string | undefined;
  #sequence = 0;

  constructor(options: WorkloadOptions) {
    this.#pick = weightedRoundRobin(options.mix);
    this.#basePath = (options.basePath ?? "").replace(/\/+$/, "");
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
    const json = { "content-type": "application/json" };
    switch (route) {
      case "createUser":
        return this.#plan(route, undefined, {
          headers: { ...json, "idempotency-key": `loadtest-${this.#runId}-${n}` },
          body: JSON.stringify({
            email: `loadtest-${this.#runId}-${n}@example.com`,
            name: `Load Test ${n}`,
            attributes: { source: "loadtest", run: this.#runId },
          }),
        });
      case "listUsers": {
        const cursor = this.#nextCursor === undefined ? "" : `&cursor=${encodeURIComponent(this.#nextCursor)}`;
        return this.#plan(route, undefined, { query: `?limit=${this.#pageSize}${cursor}` });
      }
      case "getUser":
        return this.#plan(route, this.#checkOut(n));
      case "patchUser": {
        const user = this.#checkOut(n);
        return this.#plan(route, user, {
          headers: { "content-type": "application/merge-patch+json", "if-match": user.etag },
          body: JSON.stringify({ name: `Patched ${n}`, attributes: { lastPatch: n } }),
        });
      }
      case "replaceUser": {
        const user = this.#checkOut(n);
        // One replacement in ten changes the email, which moves its uniqueness guard too.
        const email = n % 10 === 0 ? `loadtest-${this.#runId}-${n}@example.com` : user.email;
        return this.#plan(route, user, {
          headers: { ...json, "if-match": user.etag },
          body: JSON.stringify({ email, name: `Replaced ${n}`, phone: "+15555550100" }),
        });
      }
      case "deleteUser": {
        const user = this.#checkOut(n);
        return this.#plan(route, user, { headers: { "if-match": user.etag } });
      }
    }
  }

  /** Whether a status is one the route should give this workload. */
  isExpected(route: RouteName, status: number): boolean {
    return expectedStatuses[route].includes(status);
  }

  /** Learns from an answer (`undefined`: none came) and returns the request's user to the pool if it still exists. */
  settle(request: PlannedRequest, answer: Answer | undefined): void {
    if (!answer) return; // The user's state is unknown now: leave it out of the pool.
    const etag = headerOf(answer.headers, "etag");
    switch (request.route) {
      case "createUser": {
        const body = parseJson(answer.body);
        if (answer.status === 201 && isRecord(body) && typeof body.userId === "string" && typeof body.email === "string" && etag) {
          this.#idle.push({ userId: body.userId, email: body.email, etag });
        }
        return;
      }
      case "listUsers": {
        const body = parseJson(answer.body);
        if (answer.status === 200 && isRecord(body)) {
          this.#nextCursor = typeof body.nextCursor === "string" ? body.nextCursor : undefined;
        }
        return;
      }
      case "deleteUser":
        if (answer.status !== 204 && answer.status !== 404) this.#checkIn(request.user);
        return;
      default: {
        if (answer.status === 404 || !request.user) return;
        const body = parseJson(answer.body);
        const updated = answer.status < 300 && etag && isRecord(body) && typeof body.email === "string";
        this.#checkIn(updated ? { ...request.user, email: body.email as string, etag } : request.user);
      }
    }
  }

  #checkOut(n: number): KnownUser {
    // Rotate through the pool so reads and writes spread over the users.
    const index = n % this.#idle.length;
    const [user] = this.#idle.splice(index, 1);
    return user!;
  }

  #checkIn(user: KnownUser | undefined) {
    if (user) this.#idle.push(user);
  }

  #plan(route: RouteName, user: KnownUser | undefined, extra: { headers?: Record<string, string>; body?: string; query?: string } = {}): PlannedRequest {
    const definition = routes[route];
    const path = definition.path.replace("{userId}", user ? encodeURIComponent(user.userId) : "");
    return {
      route,
      method: definition.method,
      path: `${this.#basePath}${path}${extra.query ?? ""}`,
      headers: extra.headers ?? {},
      ...(extra.body === undefined ? {} : { body: extra.body }),
      ...(user ? { user } : {}),
    };
  }
}
