import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { authorizer } from "@users-api/core";
import { mixes, type MixName } from "./mix.js";
import { describeRoutes, type LoadTestReport } from "./report.js";
import { LoadTestStats } from "./stats.js";
import { Workload, type PlannedRequest } from "./workload.js";

export interface LoadTestOptions {
  /** The API root, with the stage path if any. */
  readonly url: string;
  readonly key: string;
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  readonly mix: MixName;
  /** @default min(rate, 100) */
  readonly connections?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** Called once a second with the responses so far. */
  readonly onTick?: (responses: number) => void;
}

/** What autocannon keeps per request in flight (its `context`, fresh for every request here). */
interface InFlight {
  planned?: PlannedRequest;
  startedAt?: number;
}

/**
 * Runs the workload against an API with autocannon: rate-limited over all
 * connections, for a bounded time. Each request's route and latency are
 * recorded from autocannon's per-request hooks, so every route gets its own
 * percentiles, statuses and errors.
 *
 * @example
 * const report = await runLoadTest({ url: "http://127.0.0.1:3000", key, ratePerSecond: 20, durationSeconds: 30, mix: "read-heavy" });
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestReport> {
  const base = new URL(options.url);
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const connections = Math.min(options.connections ?? Math.min(options.ratePerSecond, 100), options.ratePerSecond);
  const workload = new Workload({ mix: mixes[options.mix], basePath: base.pathname, runId: randomUUID().slice(0, 8) });
  const stats = new LoadTestStats();
  const inFlight = new Set<InFlight>();

  /** Requests older than the timeout got no answer (autocannon reconnects and moves on without telling which). */
  const sweepTimedOut = (now: number) => {
    for (const entry of inFlight) {
      if (entry.planned && entry.startedAt !== undefined && now - entry.startedAt >= timeoutSeconds * 1000) {
        inFlight.delete(entry);
        stats.recordTimeout(entry.planned.route);
        workload.settle(entry.planned, undefined);
      }
    }
  };

  const startedAt = new Date();
  const started = performance.now();
  let responses = 0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base.origin,
        connections,
        overallRate: options.ratePerSecond,
        duration: options.durationSeconds,
        timeout: timeoutSeconds,
        headers: { [authorizer.identityHeader]: options.key, accept: "application/json" },
        requests: [
          {
            setupRequest: (request, context) => {
              const entry = context as InFlight;
              const planned = workload.next();
              entry.planned = planned;
              entry.startedAt = performance.now();
              inFlight.add(entry);
              // A new headers object: autocannon shares the request's own between requests.
              return { ...request, method: planned.method, path: planned.path, headers: { ...request.headers, ...planned.headers }, body: planned.body };
            },
            onResponse: (status, body, context, headers) => {
              const entry = context as InFlight;
              if (!entry.planned || entry.startedAt === undefined || !inFlight.delete(entry)) return;
              responses += 1;
              stats.recordResponse(entry.planned.route, status, performance.now() - entry.startedAt, workload.isExpected(entry.planned.route, status));
              workload.settle(entry.planned, { status, body, headers: headers ?? {} });
            },
          },
        ],
      },
      (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
    );
    instance.on("reqError", () => sweepTimedOut(performance.now()));
    instance.on("tick", () => options.onTick?.(responses));
  });
  const elapsedSeconds = (performance.now() - started) / 1000;
  sweepTimedOut(performance.now());

  const { routes, total } = stats.summarize(elapsedSeconds);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: { url: options.url, mix: options.mix, ratePerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds, connections, timeoutSeconds },
    elapsedSeconds: Math.round(elapsedSeconds * 100) / 100,
    unfinished: inFlight.size,
    total,
    routes: describeRoutes(routes),
  };
}
