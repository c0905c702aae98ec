import { describe, expect, it } from "vitest";
import { costPerRequest, benchRequestShape } from "../../src/autoscaling/consumption.js";
import {
  PARTITION_LIMITS,
  checkScale,
  currentSlotShare,
  keyLoads,
  listQueriesPerSecond,
  pageReadUnits,
  scaleLoad,
  type ListingUnderTest,
} from "../../src/autoscaling/partitions.js";
import { scaleChecksFor } from "../../src/autoscaling/scale.js";
import { formatScaleCheck } from "../../src/autoscaling/scale-report.js";
import { HIGH_TRAFFIC_FIRST_PAGE_CACHE_MS, HIGH_TRAFFIC_LAYOUT } from "../../../../stacks/stage-settings.js";

const singleKey: ListingUnderTest = { label: "one key", shards: 1, firstPageCacheMs: 0 };
const highTraffic: ListingUnderTest = { label: "high traffic", ...HIGH_TRAFFIC_LAYOUT, firstPageCacheMs: HIGH_TRAFFIC_FIRST_PAGE_CACHE_MS };
const writesPerSecond = scaleLoad.perSecond.createUser + scaleLoad.perSecond.patchUser + scaleLoad.perSecond.replaceUser + scaleLoad.perSecond.deleteUser;

describe("the scale profile", () => {
  it("is 10,000 user writes and 50,000 reads a second", () => {
    expect(writesPerSecond).toBe(10_000);
    expect(scaleLoad.perSecond.getUser + scaleLoad.perSecond.listUsers).toBe(50_000);
  });

  it("keeps every key of the table and the index under DynamoDB's per-partition limits with the high-traffic list settings", () => {
    const check = checkScale(scaleLoad, highTraffic);
    expect(check.withinLimits).toBe(true);
    for (const entry of check.keys.filter(({ key }) => !key.includes("before"))) {
      expect(entry.readUnitsPerSecond, entry.key).toBeLessThanOrEqual(PARTITION_LIMITS.readUnitsPerSecond);
      expect(entry.writeUnitsPerSecond, entry.key).toBeLessThanOrEqual(PARTITION_LIMITS.writeUnitsPerSecond);
    }
    // The first limit this load meets as it grows: the shard key of the current slot, taking the creates of its slot.
    expect(check.firstLimit.key).toBe("USERS#<shard> of the current slot");
    expect(check.firstLimit.utilization).toBeLessThan(0.8);
  });

  it("shows that today's single list key cannot take it: every user write lands on one partition", () => {
    const check = checkScale(scaleLoad, singleKey);
    expect(check.withinLimits).toBe(false);
    const costs = costPerRequest(benchRequestShape);
    const indexWrites =
      scaleLoad.perSecond.createUser * costs.createUser.indexWrite +
      scaleLoad.perSecond.patchUser * costs.patchUser.indexWrite +
      scaleLoad.perSecond.replaceUser * costs.replaceUser.indexWrite +
      scaleLoad.perSecond.deleteUser * costs.deleteUser.indexWrite;
    expect(check.firstLimit).toMatchObject({ key: "USERS", writeUnitsPerSecond: indexWrites });
    expect(indexWrites).toBeGreaterThan(10 * PARTITION_LIMITS.writeUnitsPerSecond);
  });

  it("puts each idempotency record under its own key, where one key per function would take every create", () => {
    const keys = keyLoads(scaleLoad, highTraffic);
    const perRecord = keys.find(({ key }) => key === "IDEMPOTENCY#<function>#<hash>")!;
    const before = keys.find(({ key }) => key.startsWith("IDEMPOTENCY#<function> (the layout before)"))!;
    expect(perRecord.writeUnitsPerSecond).toBeLessThanOrEqual(4);
    expect(before.writeUnitsPerSecond).toBeGreaterThan(PARTITION_LIMITS.writeUnitsPerSecond);
  });

  it("reads the first page once per warm function and cache period, every other page each time", () => {
    // 5,000 list requests a second of 25 ms: 125 warm functions, each reading the first page once a second.
    expect(listQueriesPerSecond(scaleLoad, highTraffic)).toBe(125 + 500);
    expect(listQueriesPerSecond(scaleLoad, singleKey)).toBe(5000);
  });

  it("counts the share of a second a shard key is the current slot's", () => {
    expect(currentSlotShare(32, 100)).toBeCloseTo(0.1, 10); // one 100-ms slot per 3.2-s rotation
    expect(currentSlotShare(4, 100)).toBeCloseTo(0.3, 10); // three rotations of 400 ms in a second
    expect(currentSlotShare(1, 1000)).toBe(1);
  });

  it("costs a page at most twice today's 2.5 RCU at the scale's creation rate, and today's 2.5 with one key", () => {
    expect(pageReadUnits(singleKey, scaleLoad.perSecond.createUser, 20)).toBe(2.5);
    expect(pageReadUnits(highTraffic, scaleLoad.perSecond.createUser, 20)).toBeLessThanOrEqual(5);
    // Fewer creates than a page per slot: more Queries per page.
    expect(pageReadUnits(highTraffic, 20, 20)).toBeGreaterThan(5);
  });

  it("prints the assumptions, per-key load, the first limit met, the quotas and the settings to raise", () => {
    const { checks, stage } = scaleChecksFor("prod");
    const printed = formatScaleCheck(checks, stage);
    for (const text of [
      "10,000 user writes and 50,000 reads a second",
      "limits per partition: 3,000 RCU and 1,000 WCU",
      "First per-partition limit: index USERS#<shard> of the current slot",
      "API Gateway requests a second, per account and Region",
      'Stage "prod" settings to raise',
    ]) {
      expect(printed).toContain(text);
    }
  });
});
