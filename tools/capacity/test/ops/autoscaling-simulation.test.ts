import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assumptions } from "../../src/autoscaling/assumptions.js";
import { renderChart } from "../../src/autoscaling/chart.js";
import { benchRequestShape, costPerRequest, defaultRequestShape, dimensions, itemSizeBytes, sampleItemSizes } from "../../src/autoscaling/consumption.js";
import { burstProfile, dailyProfile } from "../../src/autoscaling/profiles.js";
import { autoscalingReport, formatAutoscalingSummary } from "../../src/autoscaling/report.js";
import { modelSettingsFor } from "../../src/autoscaling/settings.js";
import { simulateProfile } from "../../src/autoscaling/simulation.js";
import { stageSettings } from "../../../../stacks/stage-settings.js";

describe("capacity units per request", () => {
  it("sizes items as DynamoDB does: attribute names plus values", () => {
    expect(itemSizeBytes({ id: "abc" })).toBe(2 + 3);
    expect(itemSizeBytes({ ok: true, n: 12345 })).toBe(2 + 1 + 1 + 4);
    expect(itemSizeBytes({ m: { a: "xy" } })).toBe(1 + 3 + (1 + 2) + 1);
  });

  it("keeps a typical user under 1 KB, so one write unit per item write", () => {
    const sizes = sampleItemSizes();
    expect(sizes.userBytes).toBeGreaterThan(300);
    expect(sizes.userBytes).toBeLessThan(1024);
    expect(sizes.emailGuardBytes).toBeLessThan(sizes.userBytes);
  });

  it("charges each route what the repository sends to DynamoDB", () => {
    const costs = costPerRequest({ ...defaultRequestShape, emailChangeShare: 0, idempotencyKeyShare: 1 });
    // Strongly consistent GetItem of an item under 4 KB.
    expect(costs.getUser).toEqual({ tableRead: 1, tableWrite: 0, indexRead: 0, indexWrite: 0 });
    // Two-item transaction (2 × 2 WCU) plus the idempotency record written twice; the index copy at the transactional rate.
    expect(costs.createUser).toEqual({ tableRead: 0, tableWrite: 6, indexRead: 0, indexWrite: 2 });
    // Read, then a conditional put; the index copy is rewritten.
    expect(costs.patchUser).toEqual({ tableRead: 1, tableWrite: 1, indexRead: 0, indexWrite: 1 });
    expect(costs.replaceUser).toEqual(costs.patchUser);
    expect(costs.deleteUser).toEqual({ tableRead: 1, tableWrite: 4, indexRead: 0, indexWrite: 2 });
    // 20 users of about half a KB and the one more that tells whether a page follows: 2 × 4 KB, eventually consistent.
    expect(costs.listUsers.indexRead).toBe(Math.ceil((21 * sampleItemSizes().userBytes) / 4096) / 2);
  });

  it("charges index copies of transactional writes at the standard rate when told AWS does (the open question)", () => {
    const standard = costPerRequest({ ...defaultRequestShape, emailChangeShare: 0, transactionalIndexWrites: false });
    expect(standard.createUser.indexWrite).toBe(1);
    expect(standard.deleteUser.indexWrite).toBe(1);
  });

  it("prices the benchmarks' 917-byte user as tools/bench/README.md measured it: a page of 20 at 2.5 RCU", () => {
    const costs = costPerRequest(benchRequestShape);
    expect(benchRequestShape.sizes.userBytes).toBeGreaterThan(900);
    expect(benchRequestShape.sizes.userBytes).toBeLessThan(1024);
    expect(costs.listUsers.indexRead).toBe(2.5);
    expect(costs.getUser.tableRead).toBe(1);
  });

  it("charges an email change as a three-item transaction", () => {
    const costs = costPerRequest({ ...defaultRequestShape, emailChangeShare: 1 });
    expect(costs.patchUser.tableWrite).toBe(2 + 2 + 2);
  });
});

describe("the stage's autoscaling settings", () => {
  it("are read from the stage settings the stacks use", () => {
    const settings = modelSettingsFor("prod");
    const { database } = stageSettings("prod");
    expect(settings.bounds.tableRead).toEqual(database.table.read);
    expect(settings.bounds.indexWrite).toEqual(database.indexes.write);
    expect(settings.behaviour.targetUtilizationPercent).toBe(database.targetUtilizationPercent);
  });
});

describe("replaying a profile", () => {
  it("serves a day of 3,000 requests from the production minimum without throttling or scaling", () => {
    const simulation = simulateProfile(dailyProfile(), modelSettingsFor("prod"));
    expect(simulation.summary.requests).toBe(3000);
    expect(simulation.summary.throttledRequests).toBe(0);
    for (const dimension of dimensions) {
      expect(simulation.summary.dimensions[dimension].peakProvisioned).toBe(modelSettingsFor("prod").bounds[dimension].min);
      expect(simulation.dimensions[dimension].events).toHaveLength(0);
    }
  });

  it("throttles a 20x burst for two minutes only: the capacity guard raises every dimension in one step, then target tracking scales back in", () => {
    const profile = burstProfile({ startMinute: 60, burstMinutes: 20, totalMinutes: 180 });
    const simulation = simulateProfile(profile, modelSettingsFor("prod"));
    const throttledMinutes = simulation.throttledRequestsPerMinute.flatMap((count, minute) => (count > 0 ? [minute] : []));
    // The minute the burst starts (its datapoint fires the alarm) and the next, until the raised capacity is usable.
    expect(throttledMinutes).toEqual([60, 61]);
    expect(simulation.summary.throttledRequests / simulation.summary.requests).toBeLessThanOrEqual(0.05);
    for (const dimension of dimensions) {
      const raises = simulation.dimensions[dimension].guardEvents.filter((event) => event.kind === "raise");
      expect(raises.map(({ decidedAt, effectiveAt }) => [decidedAt, effectiveAt])).toEqual([[60, 62]]);
      // One step to what the burst asks for at the target utilization.
      const burstDemand = simulation.dimensions[dimension].minutes[65]!.demand / 60;
      expect(raises[0]!.minimum).toBe(Math.ceil(burstDemand / 0.7));
      expect(simulation.summary.dimensions[dimension].scaleIns).toBeGreaterThan(0);
    }

    const alone = simulateProfile(profile, { ...modelSettingsFor("prod"), guard: undefined });
    expect(alone.summary.throttledRequests).toBeGreaterThan(5 * simulation.summary.throttledRequests);
    // Throttled requests are accounted to the routes that were refused.
    const byRoute = Object.values(simulation.summary.throttledRequestsByRoute).reduce((acc, count) => acc + count, 0);
    expect(byRoute).toBeCloseTo(simulation.summary.throttledRequests, 6);
  });

  it("reports, charts and summarizes the run with its assumptions and their sources", () => {
    const simulation = simulateProfile(burstProfile({ totalMinutes: 120 }), modelSettingsFor("prod"));
    const report = autoscalingReport(simulation, "burst");
    expect(report.minutes).toHaveLength(120);
    expect(report.assumptions.length).toBe(assumptions.length);
    expect(
      assumptions
        .filter((entry) => entry.source)
        .every((entry) => entry.source!.url.startsWith("https://docs.aws.amazon.com/") || entry.source!.url.startsWith("https://repost.aws/")),
    ).toBe(true);

    const svg = renderChart(simulation, "Burst");
    expect(svg).toMatch(/^<\?xml[^>]*\?>\s*<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const label of [
      "Table reads (RCU)",
      "Table writes (WCU)",
      "Index byCreatedAt reads (RCU)",
      "Index byCreatedAt writes (WCU)",
      "API requests per minute",
    ]) {
      expect(svg).toContain(label);
    }
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);

    const summary = formatAutoscalingSummary(simulation, "burst");
    expect(summary).toContain("Throttled requests:");
    expect(summary).toContain("Table reads (RCU)");
  });
});

describe("tools/capacity/autoscaling.md", () => {
  const docs = readFileSync(new URL("../../autoscaling.md", import.meta.url), "utf8");

  it("cites the AWS page behind every sourced assumption of the model", () => {
    const urls = new Set(assumptions.flatMap((entry) => (entry.source ? [entry.source.url] : [])));
    for (const url of urls) expect(docs, url).toContain(url);
  });
});
