import { existsSync, readFileSync } from "node:fs";
import { routes, type RouteName } from "@users-api/core";
import type { RouteTraffic, TrafficAssumptions } from "./model.js";

/** A day's interactions by route: mostly reads, as a profile service sees them. */
export const defaultMix: Readonly<Record<RouteName, number>> = {
  getUser: 0.45,
  listUsers: 0.25,
  createUser: 0.1,
  patchUser: 0.1,
  replaceUser: 0.05,
  deleteUser: 0.05,
};

/**
 * The least capacity each route can consume with items of about 1 KB and pages
 * of 20 (DynamoDB bills reads per 4 KB, writes per 1 KB, transactions double,
 * and every user write is replicated to the `byCreatedAt` index; inside a
 * transaction that index write is billed at the transactional rate too, as
 * Amazon's DynamoDB Local reports). The benchmarks compare measured
 * `ReturnConsumedCapacity` against these.
 */
export const theoreticalCapacity: Readonly<Record<RouteName, { readUnits: number; writeUnits: number }>> = {
  // Eventually consistent Query on the index: 20 items x 1 KB = 5 x 4 KB at 0.5 RCU.
  listUsers: { readUnits: 2.5, writeUnits: 0 },
  // Strongly consistent GetItem of one item.
  getUser: { readUnits: 1, writeUnits: 0 },
  // Transaction of two puts (user + email guard) and the index write, at 2 WCU each.
  createUser: { readUnits: 0, writeUnits: 6 },
  // GetItem, then one conditional PutItem, plus the index write.
  replaceUser: { readUnits: 1, writeUnits: 2 },
  patchUser: { readUnits: 1, writeUnits: 2 },
  // GetItem, then a transaction of two deletes and the index delete, at 2 WCU each.
  deleteUser: { readUnits: 1, writeUnits: 6 },
};

/** Handler time when nothing was measured: a warm handler doing one or two DynamoDB calls. */
export const ASSUMED_DURATION_MS = 40;

/** Per-route durations from `pnpm bench` (bench/results/latency.json) when present. */
function measuredDurations(path: string): Partial<Record<string, number>> {
  if (!existsSync(path)) return {};
  const results = JSON.parse(readFileSync(path, "utf8")) as { routes?: Record<string, { p50Ms?: number }> };
  return Object.fromEntries(Object.entries(results.routes ?? {}).map(([route, stats]) => [route, stats.p50Ms]));
}

export function defaultTraffic(requestsPerDay: number, latencyResults = "bench/results/latency.json"): TrafficAssumptions & { measured: boolean } {
  const measured = measuredDurations(latencyResults);
  const routeTraffic: RouteTraffic[] = (Object.keys(defaultMix) as RouteName[]).map((name) => ({
    functionId: routes[name].id,
    share: defaultMix[name],
    ...theoreticalCapacity[name],
    durationMs: measured[name] ?? ASSUMED_DURATION_MS,
  }));
  return {
    measured: Object.keys(measured).length > 0,
    requestsPerDay,
    routes: routeTraffic,
    authorizerInvocationsPerRequest: 1,
    authorizerDurationMs: ASSUMED_DURATION_MS,
    logBytesPerRequest: 2048,
    // One GetSecretValue a minute per warm authorizer environment, assume two environments.
    secretsApiCallsPerDay: 2 * 24 * 60,
    customMetrics: 12,
    storedUsers: 100_000,
    averageItemKb: 1,
  };
}
