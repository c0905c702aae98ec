import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DAYS_PER_MONTH,
  HOURS_PER_MONTH,
  Prices,
  X_RAY_DEFAULT_RULE,
  estimateMonthlyCost,
  metricHoursPerDay,
  tracesPerDay,
  type DeploymentFacts,
  type TrafficAssumptions,
} from "../../src/cost/model.js";
import { cachedCallsPerDay, sampleAccessLogLine } from "../../src/cost/traffic.js";

const prices = Prices.parse(JSON.parse(readFileSync(new URL("../../src/cost/prices.json", import.meta.url), "utf8")));

const facts: DeploymentFacts = {
  functions: [
    { id: "GetUser", memoryMb: 512, architecture: "arm64", tracing: true },
    { id: "Authorizer", memoryMb: 256, architecture: "arm64", tracing: true },
  ],
  capacity: [
    { name: "table", read: { min: 1, max: 100 }, write: { min: 1, max: 50 }, targetUtilizationPercent: 70 },
    { name: "index byCreatedAt", read: { min: 1, max: 10 }, write: { min: 1, max: 10 }, targetUtilizationPercent: 70 },
  ],
  alarms: [
    { id: "Single", metrics: 1 },
    { id: "MetricMath", metrics: 3 },
  ],
  compositeAlarms: 0,
  dynamoDbTargetTrackingPolicies: 4,
  dashboards: [{ metrics: 40 }],
  secrets: 1,
  logRetentionDays: 30,
  sampling: { reservoirPerSecond: 0, fixedRate: 0.05 },
  scheduledInvocationsPerDay: 0,
};

const flat = Array.from({ length: 1440 }, () => 1 / 1440);
const traffic: TrafficAssumptions = {
  requestsPerDay: 3000,
  minuteShares: flat,
  routes: [{ functionId: "GetUser", share: 1, durationMs: 99.2, functionLogBytes: 0, emits: ["UsersRead"] }],
  authorizerInvocationsPerDay: 1500,
  authorizerDurationMs: 20,
  secretsApiCallsPerDay: 10_000 / DAYS_PER_MONTH,
  accessLogBytes: 500,
  platformLogBytes: 300,
  tracedReportBytes: 100,
  failureMetrics: [],
  storedUsers: 0,
  averageItemKb: 1,
  capacity: { provisionedUnitHours: { read: 48, write: 48 }, consumedUnits: { read: 3000, write: 0 } },
  guardDurationMs: 0,
};

const monthly = (estimate: { lines: readonly { item: string; monthly: number }[] }, item: string) =>
  estimate.lines.find((line) => line.item.startsWith(item))?.monthly;

describe("estimateMonthlyCost", () => {
  const requestsPerMonth = 3000 * DAYS_PER_MONTH;
  const estimate = estimateMonthlyCost(facts, traffic, prices);

  it("prices REST requests per million and an HTTP API at its own rate", () => {
    expect(monthly(estimate.configured, "REST API requests")).toBeCloseTo((requestsPerMonth / 1e6) * 3.5, 10);
    expect(monthly(estimate.httpApi, "HTTP API requests")).toBeCloseTo((requestsPerMonth / 1e6) * 1.0, 10);
  });

  it("bills Lambda duration in whole milliseconds at the configured memory, and the authorizer's cached invocations", () => {
    expect(monthly(estimate.configured, "GetUser duration")).toBeCloseTo(requestsPerMonth * 0.1 * 0.5 * prices.lambda.perGbSecondArm64, 10);
    expect(monthly(estimate.configured, "Authorizer duration")).toBeCloseTo(1500 * DAYS_PER_MONTH * 0.02 * 0.25 * prices.lambda.perGbSecondArm64, 10);
    expect(monthly(estimate.configured, "requests")).toBeCloseTo(((requestsPerMonth + 1500 * DAYS_PER_MONTH) / 1e6) * 0.2, 10);
  });

  it("bills provisioned capacity for the unit-hours the autoscaling model provisioned over the day", () => {
    expect(monthly(estimate.configured, "provisioned reads")).toBeCloseTo(48 * DAYS_PER_MONTH * 0.00013, 10);
    expect(monthly(estimate.configured, "provisioned writes")).toBeCloseTo(48 * DAYS_PER_MONTH * 0.00065, 10);
    expect(monthly(estimate.dynamoDbOnDemand, "on-demand read request units")).toBeCloseTo(((3000 * DAYS_PER_MONTH) / 1e6) * 0.125, 10);
  });

  it("bills every metric an alarm reads, and the four alarms DynamoDB auto scaling creates per target-tracking policy", () => {
    expect(monthly(estimate.configured, "alarm metrics of the stacks' 2 alarms")).toBeCloseTo((1 + 3) * 0.1, 10);
    expect(monthly(estimate.configured, "alarms DynamoDB auto scaling creates")).toBeCloseTo(4 * 4 * 0.1, 10);
  });

  it("records traces as the stage's sampling rule says, and bills X-Ray per million recorded", () => {
    expect(estimate.tracesPerMonth).toBeCloseTo(0.05 * requestsPerMonth, 6);
    expect(monthly(estimate.configured, "traces recorded")).toBeCloseTo(((0.05 * requestsPerMonth) / 1e6) * 5, 10);
  });

  it("counts the log bytes of a request: access log, Lambda's lines of each invocation, the traced REPORT, the function's own", () => {
    const invocationsPerRequest = 1 + 1500 / 3000;
    expect(estimate.logBytesPerRequest).toBeCloseTo(500 + invocationsPerRequest * 300 + 0.05 * 100, 6);
  });

  it("costs the month's total per million requests", () => {
    expect(estimate.perMillionRequests).toBeCloseTo(estimate.configured.total / (requestsPerMonth / 1e6), 10);
  });

  it("takes off the always-free allowances, pooled across the lines that share them", () => {
    const free = estimate.alwaysFree;
    // 14 + 16 alarm metrics less 10 free; 1 custom metric, 1 dashboard of 40 metrics, few requests, traces and logs: free.
    expect(monthly(free, "alarm metrics of the stacks' 2 alarms")).toBe(0);
    expect(monthly(free, "alarms DynamoDB auto scaling creates")).toBeCloseTo((4 + 16 - 10) * 0.1, 10);
    for (const item of [
      "dashboards",
      "custom metrics",
      "requests",
      "GetUser duration",
      "traces recorded",
      "log ingestion",
      "provisioned reads",
      "provisioned writes",
    ]) {
      expect(monthly(free, item), item).toBe(0);
    }
    expect(monthly(free, "REST API requests")).toBe(monthly(estimate.configured, "REST API requests"));
    expect(monthly(free, "secrets")).toBe(0.4);
  });

  it("charges a dashboard of more than 50 metrics even in the free tier", () => {
    const large = estimateMonthlyCost({ ...facts, dashboards: [{ metrics: 51 }] }, traffic, prices);
    expect(monthly(large.alwaysFree, "dashboards")).toBe(3);
  });
});

describe("what is billed by the hour or by the rule", () => {
  it("bills a custom metric for the hours it gets data: every hour when busy, none when never emitted", () => {
    expect(metricHoursPerDay({ requestsPerDay: 3000, minuteShares: flat }, 1)).toBeCloseTo(24, 6);
    expect(metricHoursPerDay({ requestsPerDay: 3000, minuteShares: flat }, 0)).toBe(0);
    // 24 a day, one an hour on average: an hour has one with probability 1 - 1/e.
    expect(metricHoursPerDay({ requestsPerDay: 24, minuteShares: flat }, 1)).toBeCloseTo(24 * (1 - Math.exp(-1)), 6);
  });

  it("records nearly every request of a quiet API under X-Ray's default rule, and a twentieth beyond one a second", () => {
    const quiet = tracesPerDay({ requestsPerDay: 3000, minuteShares: flat }, X_RAY_DEFAULT_RULE);
    expect(quiet / 3000).toBeGreaterThan(0.95);
    const busy = tracesPerDay({ requestsPerDay: 3_000_000, minuteShares: flat }, X_RAY_DEFAULT_RULE);
    expect(busy).toBeCloseTo(86_400 + 0.05 * (3_000_000 - 86_400), -3);
  });

  it("calls a cached function once per key per expiry at most, and for nearly every request when requests are rare", () => {
    expect(cachedCallsPerDay(3_000_000, 3, 300)).toBeCloseTo(3 * 288, 0);
    expect(cachedCallsPerDay(10, 3, 300) / 10).toBeGreaterThan(0.95);
  });

  it("sizes the access log from the format the Api stack deploys", () => {
    const line = sampleAccessLogLine();
    expect(JSON.parse(line)).toMatchObject({ httpMethod: "GET", status: 200 });
    expect(line).not.toContain("$context");
  });

  it("keeps its hourly total consistent with HOURS_PER_MONTH", () => {
    expect(HOURS_PER_MONTH).toBeCloseTo(730, 0);
  });
});
