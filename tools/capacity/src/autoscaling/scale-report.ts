import { PARTITION_LIMITS, provisionedNeeded, quotaLoads, type ScaleCheck } from "./partitions.js";

const whole = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (share: number) => `${(100 * share).toFixed(0)} %`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  return [line(header), ...rows.map(line)];
}

/** The printed scale check: the load's assumptions, per-key load against the partition limits, quotas and settings to raise. */
export function formatScaleCheck(
  checks: readonly ScaleCheck[],
  stage: { name: string; targetUtilizationPercent: number; bounds: Record<string, { max: number }>; apiRateLimit: number },
): string {
  const { load } = checks[0]!;
  const writes = load.perSecond.createUser + load.perSecond.patchUser + load.perSecond.replaceUser + load.perSecond.deleteUser;
  const reads = load.perSecond.getUser + load.perSecond.listUsers;
  const lines = [
    `Profile scale: ${whole(writes)} user writes and ${whole(reads)} reads a second, steady`,
    "",
    "Assumptions of the load (tools/capacity/src/autoscaling/partitions.ts):",
    `  writes: ${whole(load.perSecond.createUser)} creates, ${whole(load.perSecond.patchUser)} patches, ${whole(load.perSecond.replaceUser)} replaces (10 % change the email), ${whole(load.perSecond.deleteUser)} deletes a second`,
    `  reads: ${whole(load.perSecond.getUser)} GetUser, ${whole(load.perSecond.listUsers)} ListUsers a second, ${percent(load.firstPageShare)} of them first pages, pages of 20 users of 922 bytes`,
    `  hottest user: ${load.hottestUserReadsPerSecond} reads and ${load.hottestUserWritesPerSecond} updates a second; ListUsers runs ${load.listDurationMs} ms`,
    `  limits per partition: ${whole(PARTITION_LIMITS.readUnitsPerSecond)} RCU and ${whole(PARTITION_LIMITS.writeUnitsPerSecond)} WCU a second (not adjustable)`,
  ];
  for (const check of checks) {
    const { listing } = check;
    lines.push(
      "",
      `${listing.label}: ${listing.shards === 1 ? "one key" : `${listing.shards} keys, ${listing.slotMs}-ms slots`}, first page kept ${listing.firstPageCacheMs} ms`,
      ...table(
        ["key", "RCU/s", "WCU/s", "of limit", "what lands on it"],
        check.keys.map((entry) => [
          `${entry.where} ${entry.key}`,
          whole(entry.readUnitsPerSecond),
          whole(entry.writeUnitsPerSecond),
          percent(entry.utilization),
          entry.note,
        ]),
      ).map((row) => `  ${row}`),
      `  First per-partition limit: ${check.firstLimit.where} ${check.firstLimit.key} at ${percent(check.firstLimit.utilization)} of it` +
        (check.withinLimits
          ? `, reached at ${(1 / check.firstLimit.utilization).toFixed(2)}x this load`
          : `: over the limit, this layout cannot serve this load`),
      `  A page of 20 costs ${check.pageReadUnits} RCU at ${whole(load.perSecond.createUser)} creates a second (today: 2.5)`,
    );
  }
  const sized = checks.at(-1)!;
  const needed = provisionedNeeded(load, sized.listing, stage.targetUtilizationPercent);
  lines.push(
    "",
    `Service quotas with the ${sized.listing.label.split(" (")[0]!.toLowerCase()} (default values; AWS raises them on request) — raise these first:`,
    ...table(
      ["quota", "default", "needed", "x default"],
      quotaLoads(load, sized.listing, stage.targetUtilizationPercent)
        .sort((a, b) => b.needed / b.defaultValue - a.needed / a.defaultValue)
        .map((quota) => [quota.quota, whole(quota.defaultValue), whole(quota.needed), (quota.needed / quota.defaultValue).toFixed(2)]),
    ).map((row) => `  ${row}`),
    "",
    `Stage "${stage.name}" settings to raise: API throttle ${whole(stage.apiRateLimit)} rps (needs ${whole(reads + writes)}); autoscaling maximums ${Object.entries(
      needed,
    )
      .map(([dimension, units]) => `${dimension} ${whole(stage.bounds[dimension]?.max ?? 0)} → ${whole(units)}`)
      .join(", ")} (at ${stage.targetUtilizationPercent} % target)`,
  );
  return lines.join("\n");
}
