import { describe, expect, it } from "vitest";
import { describeRoutes, formatLoadTestReport, type LoadTestReport } from "../../src/loadtest/report.js";
import { LoadTestStats, percentile, summarizeLatencies } from "../../src/loadtest/stats.js";

describe("latency percentiles", () => {
  it("takes the nearest rank of the recorded latencies", () => {
    const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it("summarizes unsorted latencies with p50, p90, p99, max and mean", () => {
    expect(summarizeLatencies([30, 10, 20, 40])).toEqual({ p50: 20, p90: 40, p99: 40, max: 40, mean: 25 });
    expect(summarizeLatencies([])).toBeNull();
  });
});

describe("per-route statistics", () => {
  it("keeps statuses, errors, timeouts and latencies apart per route, with a total", () => {
    // Prepare
    const stats = new LoadTestStats();
    stats.recordResponse("getUser", 200, 10, true);
    stats.recordResponse("getUser", 200, 30, true);
    stats.recordResponse("getUser", 503, 50, false);
    stats.recordResponse("createUser", 201, 100, true);
    stats.recordTimeout("createUser");
    // Act
    const { routes, total } = stats.summarize(2);
    // Assess
    expect(routes.getUser).toEqual({
      responses: 3,
      throughputPerSecond: 1.5,
      statuses: { "200": 2, "503": 1 },
      errors: 1,
      timeouts: 0,
      latencyMs: { p50: 30, p90: 50, p99: 50, max: 50, mean: 30 },
    });
    expect(routes.createUser).toMatchObject({ responses: 1, errors: 1, timeouts: 1, statuses: { "201": 1 } });
    expect(routes.deleteUser).toMatchObject({ responses: 0, errors: 0, latencyMs: null });
    expect(total).toMatchObject({ responses: 4, errors: 2, timeouts: 1, statuses: { "200": 2, "201": 1, "503": 1 } });
    expect(total.latencyMs?.max).toBe(100);
  });
});

describe("the printed report", () => {
  it("shows a line per route with its latencies and statuses, and the total", () => {
    const stats = new LoadTestStats();
    stats.recordResponse("listUsers", 200, 12.34, true);
    stats.recordResponse("deleteUser", 500, 250, false);
    const { routes, total } = stats.summarize(1);
    const report: LoadTestReport = {
      startedAt: "2025-01-01T00:00:00.000Z",
      finishedAt: "2025-01-01T00:00:01.000Z",
      target: { url: "http://127.0.0.1:3000", mix: "read-heavy", ratePerSecond: 2, durationSeconds: 1, connections: 2, timeoutSeconds: 10 },
      elapsedSeconds: 1,
      unfinished: 0,
      total,
      routes: describeRoutes(routes),
    };
    const text = formatLoadTestReport(report);
    expect(text).toMatch(/GET \/users\s+1\s+1\.0\s+12\.3\s+12\.3\s+12\.3\s+12\.3\s+0\s+0\s+200×1/);
    expect(text).toMatch(/DELETE \/users\/\{userId\}\s+1\s+1\.0\s+250\s+250\s+250\s+250\s+1\s+0\s+500×1/);
    expect(text).toMatch(/total\s+2\s+/);
    expect(text).toContain("1 errors in 2 requests");
    expect(report.routes.deleteUser.expectedStatuses).toEqual([204]);
  });
});
