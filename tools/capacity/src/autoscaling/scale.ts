import { HIGH_TRAFFIC_FIRST_PAGE_CACHE_MS, HIGH_TRAFFIC_LAYOUT, stageSettings } from "../../../../stacks/stage-settings.js";
import { checkScale, scaleLoad, type ListingUnderTest } from "./partitions.js";

/**
 * The scale profile for a stage: its list settings as deployed (the newest
 * layout), then the high-traffic settings the stage would switch to, both
 * under the same 10,000 writes and 50,000 reads a second.
 */
export function scaleChecksFor(stageName: string) {
  const settings = stageSettings(stageName);
  const { listing } = settings.database;
  const newest = listing.layouts.at(-1)!;
  const deployed: ListingUnderTest = {
    label: `Stage "${stageName}" as deployed`,
    shards: newest.shards,
    slotMs: newest.slotMs,
    firstPageCacheMs: listing.firstPageCacheMs,
  };
  const highTraffic: ListingUnderTest = {
    label: "High-traffic list settings (stacks/stage-settings.ts HIGH_TRAFFIC_LAYOUT)",
    ...HIGH_TRAFFIC_LAYOUT,
    firstPageCacheMs: HIGH_TRAFFIC_FIRST_PAGE_CACHE_MS,
  };
  const { database, api } = settings;
  return {
    checks: [checkScale(scaleLoad, deployed), checkScale(scaleLoad, highTraffic)],
    stage: {
      name: stageName,
      targetUtilizationPercent: database.targetUtilizationPercent,
      bounds: { tableRead: database.table.read, tableWrite: database.table.write, indexRead: database.indexes.read, indexWrite: database.indexes.write },
      apiRateLimit: api.throttleRateLimit,
    },
  };
}
