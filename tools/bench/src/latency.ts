import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import autocannon from "autocannon";
import {
  createUser,
  deleteUser,
  getUser,
  listUsersNewestFirst,
  patchUser,
  replaceUser,
  routes,
  userLimits,
  type LogLevel,
  type RouteName,
  type User,
  type UserInput,
} from "@users-api/core";
import { createApiKey } from "@users-api/emulators/api-keys";
import { startLocalApi, type LocalApi } from "@users-api/local/gateway";
import { clientsFor, type LocalStage } from "@users-api/emulators/stage";
import { summarizeLatencies, type LatencySummary } from "@users-api/capacity/loadtest/stats";
import { benchUsers } from "./fixtures.js";
import { formatTable, ms } from "./format.js";
import { userStoreOf } from "./local-stage.js";

export interface LatencyOptions {
  readonly stage: LocalStage;
  /** Powertools log level of the functions: the production stage's. */
  readonly logLevel: LogLevel;
  /** Measured requests per route (and as many direct operations). */
  readonly samples: number;
  /** Requests per route before measuring, not counted. */
  readonly warmUp: number;
  readonly sustainedSeconds: number;
  readonly connections: number;
}

export interface RouteLatency {
  /** The DynamoDB calls the route makes, which the direct measurement makes too. */
  readonly operations: string;
  /** Through the local API: gateway, authorizer (cached), function, DynamoDB Local. */
  readonly api: LatencySummary;
  /** The same repository call with the SDK straight to DynamoDB Local. */
  readonly direct: LatencySummary;
  /** What the cost report reads: the route's median and p99 through the API. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** API p50 minus direct p50: the overhead that is ours (plus the local runner's). */
  readonly overheadP50Ms: number;
}

export interface SustainedLoad {
  readonly route: RouteName;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly zeroErrors: boolean;
}

export interface LatencyResults {
  readonly samples: number;
  readonly routes: Record<RouteName, RouteLatency>;
  readonly sustained: SustainedLoad;
}

/** Times one call, in milliseconds. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** One route's request through the API and the same repository call made directly. */
interface Scenario {
  readonly operations: string;
  /** Users the scenario needs, created directly before it runs. */
  readonly seed: number;
  readonly api: (users: readonly User[], i: number) => { method: string; path: string; body?: unknown; status: number };
  readonly direct: (users: readonly User[], i: number) => Promise<unknown>;
}

/**
 * Per-route latency through the local API against the direct DynamoDB Local
 * call of the same operation. API and direct calls alternate, so background
 * load on the machine weighs on both alike. Then a sustained load on GET /users/{id}.
 */
export async function measureLatency(options: LatencyOptions): Promise<LatencyResults> {
  const { stage, samples, warmUp } = options;
  const rounds = warmUp + samples;
  const newUser = benchUsers("latency");
  const store = userStoreOf(stage);
  const { secretsManager } = clientsFor(stage.endpoints);
  const key = (await createApiKey(secretsManager, stage.apiKeysSecretArn, "bench", ["users:read", "users:write"])).key;
  secretsManager.destroy();
  const workDir = await mkdtemp(join(tmpdir(), "users-api-bench-latency-"));
  let api: LocalApi | undefined;

  const seedUsers = async (count: number) => {
    const created: User[] = [];
    // A few at a time: quick, without piling work on DynamoDB Local.
    for (let start = 0; start < count; start += 8) {
      created.push(...(await Promise.all(Array.from({ length: Math.min(8, count - start) }, () => createUser(store, newUser())))));
    }
    return created;
  };
  const request = async (call: { method: string; path: string; body?: unknown; status: number }) => {
    const response = await fetch(`${api!.url}${call.path}`, {
      method: call.method,
      headers: { "x-api-key": key, ...(call.body === undefined ? {} : { "content-type": "application/json" }) },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
    const text = await response.text();
    if (response.status !== call.status) throw new Error(`${call.method} ${call.path} answered ${response.status}, not ${call.status}: ${text}`);
  };

  const pageSize = userLimits.pageSizeDefault;
  // Where a route changes a user, the API and the direct side each change their own (users[0], users[1]).
  const scenarios: Record<RouteName, Scenario> = {
    createUser: {
      operations: "TransactWriteItems (2 Put)",
      seed: 0,
      api: () => ({ method: "POST", path: "/users", body: newUser(), status: 201 }),
      direct: () => createUser(store, newUser()),
    },
    getUser: {
      operations: "GetItem",
      seed: 1,
      api: ([user]) => ({ method: "GET", path: `/users/${user!.userId}`, status: 200 }),
      direct: ([user]) => getUser(store, user!.userId),
    },
    listUsers: {
      operations: `Query (index, ${pageSize} items)`,
      seed: pageSize,
      api: () => ({ method: "GET", path: `/users?limit=${pageSize}`, status: 200 }),
      direct: () => listUsersNewestFirst(store, { limit: pageSize }),
    },
    replaceUser: {
      operations: "GetItem + PutItem",
      seed: 2,
      api: ([user]) => ({ method: "PUT", path: `/users/${user!.userId}`, body: inputOf(user!, `Replaced ${Date.now()}`), status: 200 }),
      direct: ([, user]) => replaceUser(store, user!.userId, inputOf(user!, `Replaced ${Date.now()}`)),
    },
    patchUser: {
      operations: "GetItem + PutItem",
      seed: 2,
      api: ([user]) => ({ method: "PATCH", path: `/users/${user!.userId}`, body: { name: `Patched ${Date.now()}` }, status: 200 }),
      direct: ([, user]) => patchUser(store, user!.userId, { name: `Patched ${Date.now()}` }),
    },
    deleteUser: {
      operations: "GetItem + TransactWriteItems (2 Delete)",
      seed: 2 * rounds,
      api: (users, i) => ({ method: "DELETE", path: `/users/${users[2 * i]!.userId}`, status: 204 }),
      direct: (users, i) => deleteUser(store, users[2 * i + 1]!.userId),
    },
  };

  try {
    api = await startLocalApi({ stage, buildDir: join(workDir, "build"), logLevel: options.logLevel });
    const results = {} as Record<RouteName, RouteLatency>;
    for (const [name, scenario] of Object.entries(scenarios) as [RouteName, Scenario][]) {
      const users = await seedUsers(scenario.seed);
      const apiTimes: number[] = [];
      const directTimes: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const call = scenario.api(users, i);
        const apiMs = await timed(() => request(call));
        const directMs = await timed(() => scenario.direct(users, i));
        if (i >= warmUp) {
          apiTimes.push(apiMs);
          directTimes.push(directMs);
        }
      }
      const apiSummary = summarizeLatencies(apiTimes)!;
      const directSummary = summarizeLatencies(directTimes)!;
      results[name] = {
        operations: scenario.operations,
        api: apiSummary,
        direct: directSummary,
        p50Ms: apiSummary.p50,
        p99Ms: apiSummary.p99,
        overheadP50Ms: ms(apiSummary.p50 - directSummary.p50),
      };
    }
    const [target] = await seedUsers(1);
    const sustained = await sustainLoad(`${api.url}/users/${target!.userId}`, key, options);
    return { samples, routes: results, sustained };
  } finally {
    await api?.stop();
    store.destroy();
    await rm(workDir, { recursive: true, force: true });
  }
}

const inputOf = (user: User, name: string): UserInput => ({ email: user.email, name, phone: user.phone, attributes: user.attributes });

/** autocannon on GET /users/{id}: a short unrecorded run so every execution environment is up, then the measured one. */
async function sustainLoad(url: string, key: string, options: LatencyOptions): Promise<SustainedLoad> {
  const load = (duration: number) => autocannon({ url, connections: options.connections, duration, headers: { "x-api-key": key }, timeout: 10 });
  await load(2);
  const result = await load(options.sustainedSeconds);
  // autocannon resolves with requests still in flight; let them finish before the API stops.
  await delay(1000);
  return {
    route: "getUser",
    connections: options.connections,
    durationSeconds: result.duration,
    requestsPerSecond: ms(result.requests.average),
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    zeroErrors: result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
  };
}

export function formatLatency(results: LatencyResults): string {
  const table = formatTable(
    ["route", "method", "DynamoDB operations", "API p50", "API p99", "direct p50", "direct p99", "ours p50"],
    (Object.entries(results.routes) as [RouteName, RouteLatency][]).map(([name, latency]) => [
      name,
      `${routes[name].method} ${routes[name].path}`,
      latency.operations,
      latency.api.p50,
      latency.api.p99,
      latency.direct.p50,
      latency.direct.p99,
      latency.overheadP50Ms,
    ]),
  );
  const { sustained } = results;
  return [
    `${results.samples} sequential requests per route, milliseconds`,
    table,
    "",
    `Sustained: GET /users/{id}, ${sustained.connections} connections, ${sustained.durationSeconds} s: ` +
      `${sustained.requestsPerSecond} req/s (${sustained.requests} requests), p50 ${sustained.latencyP50Ms} ms, p99 ${sustained.latencyP99Ms} ms, ` +
      `${sustained.non2xx} non-2xx, ${sustained.errors} errors, ${sustained.timeouts} timeouts`,
  ].join("\n");
}
