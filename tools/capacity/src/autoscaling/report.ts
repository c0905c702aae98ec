import { assumptions } from "./assumptions.js";
import { dimensionLabels, dimensions } from "./consumption.js";
import type { ProfileSimulation } from "./simulation.js";

const one = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const whole = (value: number) => Math.round(value).toLocaleString("en-US");

/** The JSON report: settings, per-minute series, summary and the assumptions with their sources. */
export function autoscalingReport(simulation: ProfileSimulation, profile: string) {
  return {
    profile,
    stage: simulation.settings.stage,
    bounds: simulation.settings.bounds,
    behaviour: simulation.settings.behaviour,
    requestShape: simulation.shape,
    summary: simulation.summary,
    events: Object.fromEntries(dimensions.map((dimension) => [dimension, simulation.dimensions[dimension].events])),
    guardEvents: Object.fromEntries(dimensions.map((dimension) => [dimension, simulation.dimensions[dimension].guardEvents])),
    minutes: simulation.requestsPerMinute.map((requests, minute) => ({
      minute,
      requests,
      throttledRequests: simulation.throttledRequestsPerMinute[minute],
      ...Object.fromEntries(
        dimensions.map((dimension) => {
          const { demand, consumed, provisioned, throttled, burstBalance } = simulation.dimensions[dimension].minutes[minute]!;
          return [dimension, { demand, consumed, provisioned, throttled, burstBalance }];
        }),
      ),
    })),
    assumptions,
  };
}

/** The printed summary: one line per dimension, then the requests. */
export function formatAutoscalingSummary(simulation: ProfileSimulation, profile: string): string {
  const { summary, settings } = simulation;
  const rows = dimensions.map((dimension) => {
    const entry = summary.dimensions[dimension];
    return [
      dimensionLabels[dimension],
      `${settings.bounds[dimension].min}–${settings.bounds[dimension].max}`,
      one(entry.peakDemandPerSecond),
      one(entry.peakConsumedPerSecond),
      `${entry.minProvisioned}–${entry.peakProvisioned}`,
      one(entry.provisionedUnitHours),
      one(entry.throttledUnits),
      String(entry.minutesThrottled),
      `${entry.scaleOuts}/${entry.scaleIns}`,
      String(entry.guardRaises),
    ];
  });
  const header = [
    "dimension",
    "bounds",
    "peak demand/s",
    "peak consumed/s",
    "provisioned",
    "unit-hours",
    "throttled units",
    "min throttled",
    "out/in",
    "guard raises",
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  const throttledShare = summary.requests > 0 ? (100 * summary.throttledRequests) / summary.requests : 0;
  const byRoute = Object.entries(summary.throttledRequestsByRoute)
    .filter(([, count]) => count >= 0.5)
    .map(([route, count]) => `${route} ${whole(count)}`)
    .join(", ");
  return [
    `Profile ${profile} on stage "${settings.stage}" (target ${settings.behaviour.targetUtilizationPercent} %${settings.guard ? ", with the capacity guard" : ", target tracking alone"}), ${summary.minutes} minutes, ${whole(summary.requests)} requests`,
    "",
    line(header),
    ...rows.map(line),
    "",
    `Throttled requests: ${whole(summary.throttledRequests)} (${throttledShare.toFixed(2)} %) in ${summary.minutesWithThrottledRequests} minutes${byRoute ? ` — ${byRoute}` : ""}`,
  ].join("\n");
}
