import { existsSync, readFileSync } from "node:fs";
import { authorizer, routes, type BusinessMetric, type RouteName } from "@users-api/core";
import { ACCESS_LOG_FORMAT } from "../../../../stacks/Api.js";
import { benchRequestShape, costPerRequest, type dimensions, type RequestShape } from "../autoscaling/consumption.js";
import { defaultGuardBehaviour, defaultScalingBehaviour } from "../autoscaling/model.js";
import { apportion, dailyWeights } from "../autoscaling/profiles.js";
import { simulateProfile } from "../autoscaling/simulation.js";
import type { CapacityDay, DeploymentFacts, RouteTraffic, TrafficAssumptions } from "./model.js";

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
 * The least capacity each route can consume with the benchmarks' ~1 KB users
 * and pages of 20 (DynamoDB bills reads per 4 KB, writes per 1 KB,
 * transactions double, and every user write is replicated to the
 * `byCreatedAt` index; inside a transaction that index write is billed at the
 * transactional rate too, as Amazon's DynamoDB Local reports). The benchmarks
 * compare measured `ReturnConsumedCapacity` against these.
 */
export const theoreticalCapacity: Readonly<Record<RouteName, { readUnits: number; writeUnits: number }>> = {
  // Eventually consistent Query on the index: 20 items x 1 KB = 5 x 4 KB at 0.5 RCU (the 21st item fits the same 5).
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

/** API keys calling the API: API Gateway caches the authorizer's answer per key, so this sets its invocations. */
export const ASSUMED_ACTIVE_KEYS = 3;

/** How long the authorizer keeps the key records per environment (`KEY_CACHE_SECONDS` in packages/functions/src/authorizer.ts). */
export const AUTHORIZER_SECRET_CACHE_SECONDS = 60;

/**
 * One EMF line of one business metric: 242 bytes as Powertools writes it
 * (packages/functions/test/http/metrics.test.ts prints one), plus the Node
 * runtime's 67-byte prefix (time, request id, level) Lambda adds to console output.
 */
export const METRIC_LINE_BYTES = 242 + 67;

/** Which business metric one request of a route emits when it succeeds. */
const emittedBy: Readonly<Record<RouteName, readonly BusinessMetric[]>> = {
  createUser: ["UsersCreated"],
  patchUser: ["UsersUpdated"],
  replaceUser: ["UsersUpdated"],
  deleteUser: ["UsersDeleted"],
  getUser: [],
  listUsers: [],
};

const REQUEST_ID = "8f5e6d3c-3f1e-4b7a-9c2d-1e2f3a4b5c6d";

/** Lambda's own lines for one invocation (text format), as its documentation shows them. */
export const platformLines = [
  `START RequestId: ${REQUEST_ID} Version: 12`,
  `END RequestId: ${REQUEST_ID}`,
  `REPORT RequestId: ${REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 98 MB\t`,
];
/** What REPORT adds when the invocation is traced. */
export const tracedReportLine = "XRAY TraceId: 1-6749c1f0-5ac6c58f5b5dbd6a3b8c1f2e\tSegmentId: 6b3d2f1e0a9c8b7d\tSampled: true\t";
const bytesOf = (lines: readonly string[]) => lines.reduce((sum, text) => sum + Buffer.byteLength(`${text}\n`), 0);

/** The stage's API access log line (`ACCESS_LOG_FORMAT` of stacks/Api.ts) with typical values filled in. */
export function sampleAccessLogLine(): string {
  const values: Record<string, string> = {
    "$context.requestId": REQUEST_ID,
    "$context.requestTime": "30/Nov/2026:18:05:42 +0000",
    "$context.httpMethod": "GET",
    "$context.resourcePath": "/users/{userId}",
    "$context.path": "/prod/users/0b0e6f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
    "$context.status": "200",
    "$context.responseLength": "412",
    "$context.responseLatency": "38",
    "$context.integration.latency": "27",
    "$context.integration.status": "200",
    "$context.integration.error": "-",
    "$context.authorizer.latency": "-",
    "$context.authorizer.status": "-",
    "$context.error.responseType": "-",
    "$context.error.message": "-",
    "$context.authorizer.principalId": "mobile-app",
    "$context.identity.sourceIp": "203.0.113.7",
    "$context.identity.userAgent": "okhttp/4.12.0",
    "$context.xrayTraceId": "1-6749c1f0-5ac6c58f5b5dbd6a3b8c1f2e",
  };
  return ACCESS_LOG_FORMAT.replace(/\$context\.[A-Za-z.]+/g, (variable) => values[variable] ?? "-");
}

/** Per-route durations from `pnpm bench` (tools/bench/results/latency.json) when present. */
function measuredDurations(path: string): Partial<Record<string, number>> {
  if (!existsSync(path)) return {};
  const results = JSON.parse(readFileSync(path, "utf8")) as { routes?: Record<string, { p50Ms?: number }> };
  return Object.fromEntries(Object.entries(results.routes ?? {}).map(([route, stats]) => [route, stats.p50Ms]));
}

/**
 * Invocations a day of a function called with a cache in front of it: after
 * each call the answer is kept `ttlSeconds`, then the next request calls
 * again (a renewal process per key, requests arriving as Poisson).
 */
export function cachedCallsPerDay(requestsPerDay: number, keys: number, ttlSeconds: number): number {
  if (requestsPerDay <= 0) return 0;
  const perKeyPerSecond = requestsPerDay / 86_400 / keys;
  return (keys * 86_400) / (ttlSeconds + 1 / perKeyPerSecond);
}

/**
 * Provisioned unit-hours and consumed units of a day, from the autoscaling
 * model replaying the day's profile (with `mix`) through target tracking and
 * the capacity guard, as the templates configure them.
 */
export function capacityDay(
  facts: DeploymentFacts,
  requestsPerDay: number,
  mix: Readonly<Record<RouteName, number>>,
  shape: RequestShape = benchRequestShape,
): CapacityDay {
  const [table, index] = facts.capacity;
  if (!table || !index) throw new Error("The templates declare no autoscaling for the table and its index.");
  const profile = apportion(requestsPerDay, dailyWeights()).map((requestsPerMinute, minute) => ({ minute, requestsPerMinute, mix: { ...mix } }));
  const simulation = simulateProfile(
    profile,
    {
      stage: "templates",
      bounds: { tableRead: table.read, tableWrite: table.write, indexRead: index.read, indexWrite: index.write },
      behaviour: { ...defaultScalingBehaviour, targetUtilizationPercent: table.targetUtilizationPercent },
      guard: defaultGuardBehaviour,
    },
    shape,
  );
  const unitHours = (names: readonly (typeof dimensions)[number][]) =>
    names.reduce((sum, name) => sum + simulation.summary.dimensions[name].provisionedUnitHours, 0);
  const consumed = (names: readonly (typeof dimensions)[number][]) =>
    names.reduce((sum, name) => sum + simulation.dimensions[name].minutes.reduce((total, entry) => total + entry.consumed, 0), 0);
  return {
    provisionedUnitHours: { read: unitHours(["tableRead", "indexRead"]), write: unitHours(["tableWrite", "indexWrite"]) },
    consumedUnits: { read: consumed(["tableRead", "indexRead"]), write: consumed(["tableWrite", "indexWrite"]) },
  };
}

export interface TrafficOptions {
  readonly latencyResults?: string;
  readonly shape?: RequestShape;
}

/** The traffic of a day of `requestsPerDay` requests, with its capacity as the deployment would provision it. */
export function defaultTraffic(facts: DeploymentFacts, requestsPerDay: number, options: TrafficOptions = {}): TrafficAssumptions & { measured: boolean } {
  const measured = measuredDurations(options.latencyResults ?? "tools/bench/results/latency.json");
  const weights = dailyWeights();
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const routeTraffic: RouteTraffic[] = (Object.keys(defaultMix) as RouteName[]).map((name) => ({
    functionId: routes[name].id,
    share: defaultMix[name],
    durationMs: measured[name] ?? ASSUMED_DURATION_MS,
    functionLogBytes: emittedBy[name].length * METRIC_LINE_BYTES,
    emits: emittedBy[name],
  }));
  const authorizerInvocationsPerDay = Math.min(requestsPerDay, cachedCallsPerDay(requestsPerDay, ASSUMED_ACTIVE_KEYS, authorizer.resultsCacheTtlSeconds));
  return {
    measured: Object.keys(measured).length > 0,
    requestsPerDay,
    minuteShares: weights.map((weight) => weight / totalWeight),
    routes: routeTraffic,
    authorizerInvocationsPerDay,
    authorizerDurationMs: ASSUMED_DURATION_MS,
    // One warm authorizer environment: it serves a few calls a minute at most.
    secretsApiCallsPerDay: Math.min(authorizerInvocationsPerDay, cachedCallsPerDay(authorizerInvocationsPerDay, 1, AUTHORIZER_SECRET_CACHE_SECONDS)),
    accessLogBytes: Buffer.byteLength(`${sampleAccessLogLine()}\n`),
    platformLogBytes: bytesOf(platformLines),
    tracedReportBytes: Buffer.byteLength(tracedReportLine),
    failureMetrics: ["DependencyUnavailable", "UnexpectedError", "DynamoDbThrottled"],
    storedUsers: 100_000,
    averageItemKb: (options.shape ?? benchRequestShape).sizes.userBytes / 1024,
    capacity: capacityDay(facts, requestsPerDay, defaultMix, options.shape),
    guardDurationMs: 300,
  };
}

/** Capacity units a request of each route costs, for the report (the autoscaling model's rules, the benchmarks' user). */
export const unitsPerRoute = (shape: RequestShape = benchRequestShape) => costPerRequest(shape);
