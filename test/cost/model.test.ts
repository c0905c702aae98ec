import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DAYS_PER_MONTH, HOURS_PER_MONTH, Prices, estimateMonthlyCost, type DeploymentFacts, type TrafficAssumptions } from "../../scripts/cost/model.js";
import { defaultTraffic } from "../../scripts/cost/traffic.js";

const prices = Prices.parse(JSON.parse(readFileSync(new URL("../../scripts/cost/prices.json", import.meta.url), "utf8")));

const facts: DeploymentFacts = {
  functions: [
    { id: "GetUser", memoryMb: 512, architecture: "arm64", tracing: true },
    { id: "Authorizer", memoryMb: 256, architecture: "arm64", tracing: true },
  ],
  capacity: [
    { name: "table", read: { min: 5, max: 100 }, write: { min: 2, max: 50 }, targetUtilizationPercent: 70 },
    { name: "index byCreatedAt", read: { min: 1, max: 10 }, write: { min: 1, max: 10 }, targetUtilizationPercent: 70 },
  ],
  alarms: 10,
  dashboards: 1,
  secrets: 1,
  logRetentionDays: 30,
};

const traffic: TrafficAssumptions = {
  requestsPerDay: 3000,
  routes: [{ functionId: "GetUser", share: 1, readUnits: 1, writeUnits: 0, durationMs: 99.2 }],
  authorizerInvocationsPerRequest: 0.5,
  authorizerDurationMs: 20,
  logBytesPerRequest: 0,
  secretsApiCallsPerDay: 10_000 / DAYS_PER_MONTH,
  customMetrics: 12,
  storedUsers: 0,
  averageItemKb: 1,
};

const monthly = (estimate: { lines: readonly { item: string; monthly: number }[] }, item: string) =>
  estimate.lines.find((line) => line.item === item)?.monthly;

describe("estimateMonthlyCost", () => {
  const requestsPerMonth = 3000 * DAYS_PER_MONTH;
  const estimate = estimateMonthlyCost(facts, traffic, prices);

  it("prices REST requests per million and an HTTP API at its own rate", () => {
    expect(monthly(estimate.configured, "REST API requests")).toBeCloseTo((requestsPerMonth / 1e6) * 3.5, 10);
    expect(monthly(estimate.httpApi, "HTTP API requests")).toBeCloseTo((requestsPerMonth / 1e6) * 1.0, 10);
  });

  it("bills Lambda duration in whole milliseconds at the configured memory, authorizer calls included", () => {
    expect(monthly(estimate.configured, "GetUser duration")).toBeCloseTo(requestsPerMonth * 0.1 * 0.5 * prices.lambda.perGbSecondArm64, 10);
    expect(monthly(estimate.configured, "Authorizer duration")).toBeCloseTo(requestsPerMonth * 0.5 * 0.02 * 0.25 * prices.lambda.perGbSecondArm64, 10);
    expect(monthly(estimate.configured, "requests")).toBeCloseTo(((requestsPerMonth * 1.5) / 1e6) * 0.2, 10);
  });

  it("bills provisioned capacity at the autoscaling minimum when the load needs less", () => {
    expect(monthly(estimate.configured, "table provisioned reads")).toBeCloseTo(5 * HOURS_PER_MONTH * 0.00013, 10);
    expect(monthly(estimate.configured, "table provisioned writes")).toBeCloseTo(2 * HOURS_PER_MONTH * 0.00065, 10);
    expect(monthly(estimate.configured, "index byCreatedAt provisioned reads")).toBeCloseTo(1 * HOURS_PER_MONTH * 0.00013, 10);
  });

  it("provisions what the load needs at the target utilization once that exceeds the minimum", () => {
    // 864,000 reads a day = 10 RCU/s; at 70 % target the table needs ceil(14.29) = 15 RCU.
    const busy = estimateMonthlyCost(facts, { ...traffic, requestsPerDay: 864_000 }, prices);

    expect(monthly(busy.configured, "table provisioned reads")).toBeCloseTo(15 * HOURS_PER_MONTH * 0.00013, 10);
  });

  it("prices the same reads on demand per million request units", () => {
    expect(monthly(estimate.dynamoDbOnDemand, "on-demand read request units")).toBeCloseTo((requestsPerMonth / 1e6) * 0.125, 10);
    expect(monthly(estimate.dynamoDbOnDemand, "table provisioned reads")).toBeUndefined();
  });

  it("adds up fixed monthly items: dashboard, alarms, secret, API calls, custom metrics", () => {
    expect(estimate.configured.byService["CloudWatch"]).toBeCloseTo(3 + 10 * 0.1 + 12 * 0.3, 10);
    expect(estimate.configured.byService["Secrets Manager"]).toBeCloseTo(0.4 + 0.05, 10);
    expect(estimate.configured.total).toBeCloseTo(
      estimate.configured.lines.reduce((sum, line) => sum + line.monthly, 0),
      10,
    );
  });

  it("makes on-demand cheaper than provisioned minimums at 3,000 requests a day", () => {
    const daily = estimateMonthlyCost(facts, defaultTraffic(3000, "no-such-file.json"), prices);

    expect(daily.dynamoDbOnDemand.byService["DynamoDB"]).toBeLessThan(daily.configured.byService["DynamoDB"] ?? 0);
    expect(daily.httpApi.total).toBeLessThan(daily.configured.total);
  });
});
