import { readFileSync } from "node:fs";
import { authorizer, functionDefaults, routeList } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { Prices, estimateMonthlyCost } from "../../src/cost/model.js";
import { deploymentFacts, readTemplates } from "../../src/cost/templates.js";
import { defaultTraffic } from "../../src/cost/traffic.js";
import { CAPACITY_GUARD_ID } from "../../../../stacks/capacity-guard.js";
import { stageSettings } from "../../../../stacks/stage-settings.js";
import { synthesized } from "../../../../test/infra/helpers/synthesis.js";

const functionIds = [...routeList.map((route) => route.id), authorizer.id, CAPACITY_GUARD_ID];
const prices = Prices.parse(JSON.parse(readFileSync(new URL("../../src/cost/prices.json", import.meta.url), "utf8")));

describe("deploymentFacts of the synthesized prod templates", () => {
  it("finds the functions, the autoscaling of the table and index, the alarms and what each reads, the dashboard, the sampling rule and the schedule", async () => {
    const { outdir } = await synthesized("prod");
    const settings = stageSettings("prod");

    const facts = deploymentFacts(readTemplates(outdir), functionIds);

    expect(facts.functions.map((fn) => fn.id).sort()).toEqual([...functionIds].sort());
    for (const fn of facts.functions.filter(({ id }) => id !== CAPACITY_GUARD_ID)) {
      expect(fn).toMatchObject({ memoryMb: functionDefaults.memorySize, architecture: "arm64", tracing: true });
    }
    expect(facts.capacity).toEqual([
      { name: "table", ...settings.database.table, targetUtilizationPercent: settings.database.targetUtilizationPercent },
      { name: "index byCreatedAt", ...settings.database.indexes, targetUtilizationPercent: settings.database.targetUtilizationPercent },
    ]);
    expect(facts.alarms.map(({ id, metrics }) => `${id} ${metrics}`).sort()).toEqual([
      "Api5xxRate 1",
      "ApiP99Latency 1",
      "DynamoDbThrottled 1",
      "UnexpectedErrors 1",
    ]);
    expect(facts.dynamoDbTargetTrackingPolicies).toBe(4);
    expect(facts.dashboards).toHaveLength(1);
    expect(facts.dashboards[0]!.metrics).toBeLessThanOrEqual(50);
    expect(facts.sampling).toEqual({ reservoirPerSecond: settings.tracing.reservoirPerSecond, fixedRate: settings.tracing.fixedRatePercent / 100 });
    expect(facts.scheduledInvocationsPerDay).toBe(24);
    expect(facts.secrets).toBe(1);
  });

  it("prices prod within issue 10's targets: at most $8 a month at 3,000 requests a day, at most $5.50 per million at 3,000,000 a day", async () => {
    const { outdir } = await synthesized("prod");
    const facts = deploymentFacts(readTemplates(outdir), functionIds);
    const noBenchmark = { latencyResults: "no-such-file.json" };

    const daily = estimateMonthlyCost(facts, defaultTraffic(facts, 3000, noBenchmark), prices);
    const busy = estimateMonthlyCost(facts, defaultTraffic(facts, 3_000_000, noBenchmark), prices);

    expect(daily.configured.total).toBeLessThanOrEqual(8);
    expect(daily.alwaysFree.total).toBeLessThan(daily.configured.total);
    expect(busy.perMillionRequests).toBeLessThanOrEqual(5.5);
  });
});
