import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createUsersApiClient } from "@users-api/client";
import PQueue from "p-queue";
import { mixes, type MixName } from "./mix.js";
import { describeRoutes, type LoadTestReport } from "./report.js";
import { send } from "./send.js";
import { LoadTestStats } from "./stats.js";
import { Workload } from "./workload.js";

export interface LoadTestOptions {
  /** The API root, with the stage path if any. */
  readonly url: string;
  readonly key: string;
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  readonly mix: MixName;
  /** Most requests in flight at once (each on its own keep-alive connection). @default min(rate, 100) */
  readonly connections?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** Called once a second with the responses so far. */
  readonly onTick?: (responses: number) => void;
}

/**
 * p-queue's rate limit as whole starts per window: one start every 1000/rate ms up to 100 req/s, beyond that
 * a few per 10 ms window (timers have millisecond resolution).
 */
export function rateWindow(ratePerSecond: number): { intervalCap: number; interval: number } {
  const intervalCap = Math.max(1, Math.ceil(ratePerSecond / 100));
  return { intervalCap, interval: (1000 * intervalCap) / ratePerSecond };
}

/**
 * Runs the workload against an API through the typed client (`@users-api/client`, retries off so every 429 or
 * 503 counts): started at a fixed rate by p-queue, at most `connections` in flight, for a bounded time. Each
 * request's route, status and latency are recorded, so every route gets its own percentiles and errors.
 *
 * @example
 * const report = await runLoadTest({ url: "http://127.0.0.1:3000", key, ratePerSecond: 20, durationSeconds: 30, mix: "read-heavy" });
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestReport> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const connections = Math.min(options.connections ?? Math.min(options.ratePerSecond, 100), options.ratePerSecond);
  const client = createUsersApiClient({ baseUrl: options.url, apiKey: options.key, retry: false });
  const workload = new Workload({ mix: mixes[options.mix], runId: randomUUID().slice(0, 8) });
  const stats = new LoadTestStats();
  const queue = new PQueue({ concurrency: connections, ...rateWindow(options.ratePerSecond), strict: true });
  /** Aborts the requests still in flight when the time is up; they are reported as unfinished, not as errors. */
  const end = new AbortController();
  let unfinished = 0;
  let responses = 0;

  const sendNext = async () => {
    const planned = workload.next();
    const startedAt = performance.now();
    let answer;
    try {
      answer = await send(client, planned, AbortSignal.any([end.signal, AbortSignal.timeout(timeoutSeconds * 1000)]));
    } catch {
      // Timed out, or the connection failed: no answer either way, unless the run ended first.
      if (end.signal.aborted) unfinished += 1;
      else stats.recordTimeout(planned.route);
      workload.settle(planned, undefined);
      return;
    }
    responses += 1;
    stats.recordResponse(planned.route, answer.status, performance.now() - startedAt, workload.isExpected(planned.route, answer.status));
    workload.settle(planned, answer);
  };

  const startedAt = new Date();
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  const ticker = setInterval(() => options.onTick?.(responses), 1000);
  try {
    // One request waits for its turn at a time; the rate limit and the connection limit decide when it starts.
    while (performance.now() < deadline) {
      const wait = queue.onSizeLessThan(1);
      const timer = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
      await Promise.race([wait, timer]);
      if (performance.now() >= deadline) break;
      void queue.add(sendNext);
    }
    queue.clear();
    end.abort();
    await queue.onIdle();
  } finally {
    clearInterval(ticker);
  }
  const elapsedSeconds = options.durationSeconds;

  const { routes, total } = stats.summarize(elapsedSeconds);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: { url: options.url, mix: options.mix, ratePerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds, connections, timeoutSeconds },
    elapsedSeconds,
    unfinished,
    total,
    routes: describeRoutes(routes),
  };
}
