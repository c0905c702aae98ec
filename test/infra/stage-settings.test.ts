import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { usersTable } from "../../packages/core/src/user/table.js";
import { describe, expect, it } from "vitest";
import { retentionDays, stageSettings, type StageSettings } from "../../stacks/stage-settings.js";

const capacityBounds = (settings: StageSettings) => [
  settings.database.table.read,
  settings.database.table.write,
  settings.database.indexes.read,
  settings.database.indexes.write,
];

describe("stageSettings", () => {
  it.each([
    ["prod", "production"],
    ["staging", "staging"],
    ["dev", "development"],
    ["pr-42", "preview"],
    ["pr-7", "preview"],
    ["alice", "personal"],
    ["pr-abc", "personal"],
    ["prod-copy", "personal"],
  ])("maps the stage %s to %s settings", (stage, kind) => {
    expect(stageSettings(stage).kind).toBe(kind);
  });

  it("keeps every stage's autoscaling maxima within DynamoDB's default quota of 40,000 units per table, so a new account needs no increase", () => {
    // Counted strictly: the table and all its indexes together, for reads and for writes apart (also under the
    // account's default of 80,000 across all tables).
    const TABLE_QUOTA = 40_000;
    const indexCount = Object.keys(usersTable.globalIndexes).length;
    for (const stage of ["prod", "staging", "dev", "pr-42", "alice"]) {
      const { table, indexes } = stageSettings(stage).database;
      expect(table.read.max + indexCount * indexes.read.max, stage).toBeLessThanOrEqual(TABLE_QUOTA);
      expect(table.write.max + indexCount * indexes.write.max, stage).toBeLessThanOrEqual(TABLE_QUOTA);
    }
  });

  it("gives a developer's personal stage the development settings", () => {
    expect({ ...stageSettings("alice"), kind: "development" }).toEqual(stageSettings("dev"));
  });

  it("retains data, protects the table and deploys as a canary in prod only", () => {
    for (const stage of ["staging", "dev", "pr-42", "alice"]) {
      const settings = stageSettings(stage);
      expect(settings.removalPolicy).toBe(RemovalPolicy.DESTROY);
      expect(settings.database.deletionProtection).toBe(false);
      expect(settings.deployment).toEqual({ kind: "allAtOnce" });
    }
    const prod = stageSettings("prod");
    expect(prod.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(prod.database.deletionProtection).toBe(true);
    expect(prod.deployment).toEqual({ kind: "canary", percent: 10, minutes: 5 });
  });

  it("gives pull-request previews the least capacity, throttling and log retention of all stages", () => {
    const preview = stageSettings("pr-42");
    for (const stage of ["prod", "staging", "dev"]) {
      const other = stageSettings(stage);
      capacityBounds(preview).forEach((bounds, i) => {
        expect(bounds.max).toBeLessThanOrEqual(capacityBounds(other)[i]!.max);
        expect(bounds.min).toBeLessThanOrEqual(capacityBounds(other)[i]!.min);
      });
      expect(preview.api.throttleRateLimit).toBeLessThan(other.api.throttleRateLimit);
      expect(retentionDays(preview.logRetention)).toBeLessThan(retentionDays(other.logRetention));
    }
    expect(retentionDays(preview.logRetention)).toBe(RetentionDays.THREE_DAYS);
  });

  it.each(["prod", "staging", "dev", "pr-42"])("keeps %s capacity bounds valid for DynamoDB autoscaling", (stage) => {
    const settings = stageSettings(stage);
    for (const { min, max } of capacityBounds(settings)) {
      expect(min).toBeGreaterThanOrEqual(1);
      expect(max).toBeGreaterThanOrEqual(min);
    }
    expect(settings.database.targetUtilizationPercent).toBeGreaterThanOrEqual(20);
    expect(settings.database.targetUtilizationPercent).toBeLessThanOrEqual(90);
    expect(settings.api.throttleBurstLimit).toBeGreaterThanOrEqual(settings.api.throttleRateLimit);
  });

  it("allows only the production web origin in prod, any origin in development stages", () => {
    expect(stageSettings("prod").api.corsAllowOrigin).toBe("https://app.example.com");
    expect(stageSettings("dev").api.corsAllowOrigin).toBe("*");
    expect(stageSettings("pr-42").api.corsAllowOrigin).toBe("*");
  });

  it("alarms more sensitively in prod than in development", () => {
    const prod = stageSettings("prod").alarms;
    const dev = stageSettings("dev").alarms;
    expect(prod.api5xxRatePercent).toBeLessThan(dev.api5xxRatePercent);
    expect(prod.apiP99LatencyMs).toBeLessThan(dev.apiP99LatencyMs);
    expect(prod.unexpectedErrors).toBeLessThanOrEqual(dev.unexpectedErrors);
    expect(prod.dynamoDbThrottledRequests).toBeLessThanOrEqual(dev.dynamoDbThrottledRequests);
  });

  it("logs at INFO in prod and DEBUG in development stages", () => {
    expect(stageSettings("prod").logLevel).toBe("INFO");
    expect(stageSettings("dev").logLevel).toBe("DEBUG");
  });
});
