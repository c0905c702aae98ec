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
  /** Called once a second with the progress so far. */
  readonly onTick?: (progress: LoadTestProgress) => void;
  /** Ends the run early (Ctrl-C): what was sent is reported, the requests in flight as unfinished. */
  readonly signal?: AbortSignal;
}

export interface LoadTestProgress {
  readonly elapsedSeconds: number;
  readonly durationSeconds: number;
  readonly responses: number;
  /** Unexpected statuses and timeouts. */
  readonly errors: number;
}

/** One line of progress: a bar, the time, the rate achieved and the errors so far. */
export function formatProgress({ elapsedSeconds, durationSeconds, responses, errors }: LoadTestProgress): string {
  const width = 20;
  const done = Math.min(width, Math.round((elapsedSeconds / durationSeconds) * width));
  const rate = elapsedSeconds > 0 ? responses / elapsedSeconds : 0;
  return `[${"#".repeat(done)}${".".repeat(width - done)}] ${Math.round(elapsedSeconds)}/${durationSeconds} s  ${responses} responses  ${rate.toFixed(1)} req/s  ${errors} errors`;
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
  let errors = 0;

  const sendNext = async () => {
    const planned = workload.next();
    const startedAt = performance.now();
    let answer;
    try {
      answer = await send(client, planned, AbortSignal.any([end.signal, AbortSignal.timeout(timeoutSeconds * 1000)]));
    } catch {
      // Timed out, or the connection failed: no answer either way, unless the run ended first.
      if (end.signal.aborted) unfinished += 1;
      else {
        errors += 1;
        stats.recordTimeout(planned.route);
      }
      workload.settle(planned, undefined);
      return;
    }
    responses += 1;
    const expected = workload.isExpected(planned.route, answer.status);
    if (!expected) errors += 1;
    stats.recordResponse(planned.route, answer.status, performance.now() - startedAt, expected);
    workload.settle(planned, answer);
  };

  const startedAt = new Date();
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  const ticker = setInterval(
    () => options.onTick?.({ elapsedSeconds: (performance.now() - started) / 1000, durationSeconds: options.durationSeconds, responses, errors }),
    1000,
  );
  const stopped = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
  try {
    // One request waits for its turn at a time; the rate limit and the connection limit decide when it starts.
    while (performance.now() < deadline && !options.signal?.aborted) {
      const wait = queue.onSizeLessThan(1);
      const timer = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
      await Promise.race([wait, timer, stopped]);
      if (performance.now() >= deadline || options.signal?.aborted) break;
      void queue.add(sendNext);
    }
    queue.clear();
    end.abort();
    await queue.onIdle();
  } finally {
    clearInterval(ticker);
  }
  // Stopped early: the rates are over the time it ran.
  const elapsedSeconds = options.signal?.aborted ? Math.max((performance.now() - started) / 1000, 0.001) : options.durationSeconds;

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
