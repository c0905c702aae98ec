import type { RouteName } from "@users-api/core";
import { routeNames } from "./mix.js";

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface RouteSummary {
  /** Requests answered with any status. */
  readonly responses: number;
  /** Responses per second over the run. */
  readonly throughputPerSecond: number;
  /** Count per HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Answers the route should not give this workload, plus requests never answered. */
  readonly errors: number;
  /** Requests never answered: timed out or lost with their connection. */
  readonly timeouts: number;
  /** Latency of answered requests, in milliseconds. */
  readonly latencyMs: LatencySummary | null;
}

/** The value at or below which `percent` % of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) throw new Error("No values.");
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

const round = (value: number) => Math.round(value * 100) / 100;

export function summarizeLatencies(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)!),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}

interface RouteRecord {
  readonly latencies: number[];
  readonly statuses: Map<number, number>;
  errors: number;
  timeouts: number;
}

/**
 * Collects per-request outcomes by route: every latency is kept, so the
 * percentiles are exact rather than read off a histogram.
 */
export class LoadTestStats {
  readonly #routes = new Map<RouteName, RouteRecord>(routeNames.map((name) => [name, { latencies: [], statuses: new Map(), errors: 0, timeouts: 0 }]));

  /** An answered request. */
  recordResponse(route: RouteName, status: number, latencyMs: number, expected: boolean): void {
    const record = this.#routes.get(route)!;
    record.latencies.push(latencyMs);
    record.statuses.set(status, (record.statuses.get(status) ?? 0) + 1);
    if (!expected) record.errors += 1;
  }

  /** A request that got no answer. */
  recordTimeout(route: RouteName): void {
    const record = this.#routes.get(route)!;
    record.timeouts += 1;
    record.errors += 1;
  }

  summarize(elapsedSeconds: number): { routes: Record<RouteName, RouteSummary>; total: RouteSummary } {
    const summarize = (records: readonly RouteRecord[]): RouteSummary => {
      const latencies = records.flatMap((record) => record.latencies);
      const statuses: Record<string, number> = {};
      for (const record of records) {
        for (const [status, count] of [...record.statuses].sort(([a], [b]) => a - b)) statuses[status] = (statuses[status] ?? 0) + count;
      }
      return {
        responses: latencies.length,
        throughputPerSecond: elapsedSeconds > 0 ? round(latencies.length / elapsedSeconds) : 0,
        statuses,
        errors: records.reduce((sum, record) => sum + record.errors, 0),
        timeouts: records.reduce((sum, record) => sum + record.timeouts, 0),
        latencyMs: summarizeLatencies(latencies),
      };
    };
    const routes = Object.fromEntries(routeNames.map((name) => [name, summarize([this.#routes.get(name)!])])) as Record<RouteName, RouteSummary>;
    return { routes, total: summarize([...this.#routes.values()]) };
  }
}
