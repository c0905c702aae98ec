import { routes, type RouteName } from "@users-api/core";
import type { MixName } from "./mix.js";
import { routeNames } from "./mix.js";
import type { RouteSummary } from "./stats.js";
import { expectedStatuses } from "./workload.js";

export interface LoadTestReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly target: {
    readonly url: string;
    readonly mix: MixName;
    readonly ratePerSecond: number;
    readonly durationSeconds: number;
    readonly connections: number;
    readonly timeoutSeconds: number;
  };
  /** Seconds from the first request to the end of the run. */
  readonly elapsedSeconds: number;
  /** Requests sent that the run ended before they were answered (not errors). */
  readonly unfinished: number;
  readonly total: RouteSummary;
  readonly routes: Readonly<Record<RouteName, RouteSummary & { readonly method: string; readonly path: string; readonly expectedStatuses: readonly number[] }>>;
}

/** Adds what each route is (method, path, the statuses that count as success) to its summary. */
export function describeRoutes(summaries: Readonly<Record<RouteName, RouteSummary>>): LoadTestReport["routes"] {
  return Object.fromEntries(
    routeNames.map((name) => [name, { method: routes[name].method, path: routes[name].path, expectedStatuses: expectedStatuses[name], ...summaries[name] }]),
  ) as LoadTestReport["routes"];
}

const ms = (value: number | undefined) => (value === undefined ? "-" : value >= 100 ? value.toFixed(0) : value.toFixed(1));
const statusList = (statuses: Readonly<Record<string, number>>) =>
  Object.entries(statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(" ") || "-";

/** The printed table: one line per route and a total, latencies in milliseconds. */
export function formatLoadTestReport(report: LoadTestReport): string {
  const header = ["route", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "timeouts", "statuses"];
  const row = (label: string, summary: RouteSummary) => [
    label,
    String(summary.responses + summary.timeouts),
    summary.throughputPerSecond.toFixed(1),
    ms(summary.latencyMs?.p50),
    ms(summary.latencyMs?.p90),
    ms(summary.latencyMs?.p99),
    ms(summary.latencyMs?.max),
    String(summary.errors),
    String(summary.timeouts),
    statusList(summary.statuses),
  ];
  const rows = [...routeNames.map((name) => row(`${routes[name].method} ${routes[name].path}`, report.routes[name])), row("total", report.total)];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  const { target } = report;
  return [
    `${target.url}: ${target.mix}, ${target.ratePerSecond} req/s for ${target.durationSeconds} s over ${target.connections} connections`,
    "",
    line(header),
    ...rows.slice(0, -1).map(line),
    line(widths.map((width) => "-".repeat(width))),
    line(rows.at(-1)!),
    "",
    `${report.total.errors === 0 ? "No errors" : `${report.total.errors} errors`} in ${report.total.responses + report.total.timeouts} requests over ${report.elapsedSeconds.toFixed(1)} s` +
      (report.unfinished > 0 ? ` (${report.unfinished} still in flight at the end, not counted)` : "") +
      ".",
  ].join("\n");
}
