import { dimensionLabels, dimensions, type Dimension } from "./consumption.js";
import type { ProfileSimulation } from "./simulation.js";

/**
 * Draws a simulation as one self-contained SVG: a panel per capacity
 * dimension (demand, consumed and provisioned units per second, throttled
 * units shaded, scaling events marked) and a panel of API requests and
 * throttled requests per minute, all on one time axis.
 */

const WIDTH = 1280;
const LEFT = 80;
const RIGHT = 30;
const PANEL_HEIGHT = 170;
const PANEL_GAP = 62;
const HEADER = 118;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;

const colors = {
  demand: "#e8830c",
  consumed: "#1f6fd1",
  provisioned: "#111111",
  throttled: "#d62728",
  requests: "#9aa5b1",
  grid: "#e3e6ea",
  text: "#222222",
  muted: "#5b6470",
} as const;

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const round = (value: number) => Math.round(value * 10) / 10;
const formatNumber = (value: number) => (Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : String(round(value)));

/** A "nice" axis maximum (1, 2 or 5 × 10^k) at or above `value`, and its tick step. */
export function niceScale(value: number, ticks = 4): { max: number; step: number } {
  if (!(value > 0)) return { max: 1, step: 0.25 };
  const rough = value / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  return { max: Math.ceil(value / step) * step, step };
}

const clock = (minute: number) => {
  const day = Math.floor(minute / 1440);
  const hours = Math.floor((minute % 1440) / 60);
  const minutes = minute % 60;
  const time = `${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
  return day > 0 ? `d${day + 1} ${time}` : time;
};

function timeStep(totalMinutes: number) {
  return [10, 15, 30, 60, 120, 180, 240, 360, 720, 1440].find((step) => totalMinutes / step <= 14) ?? 1440;
}

interface Panel {
  readonly top: number;
  readonly title: string;
  readonly unit: string;
  readonly yMax: number;
}

function panelFrame(panel: Panel, totalMinutes: number, x: (minute: number) => number): string[] {
  const { max, step } = niceScale(panel.yMax);
  const y = (value: number) => panel.top + PANEL_HEIGHT - (value / max) * PANEL_HEIGHT;
  const parts = [
    `<text x="${LEFT}" y="${panel.top - 10}" font-size="15" font-weight="600" fill="${colors.text}">${escapeXml(panel.title)}</text>`,
    `<text x="${LEFT - 8}" y="${panel.top - 10}" font-size="11" text-anchor="end" fill="${colors.muted}">${escapeXml(panel.unit)}</text>`,
  ];
  for (let value = 0; value <= max + step / 2; value += step) {
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${y(value)}" y2="${y(value)}" stroke="${colors.grid}"/>`,
      `<text x="${LEFT - 8}" y="${y(value) + 4}" font-size="11" text-anchor="end" fill="${colors.muted}">${formatNumber(value)}</text>`,
    );
  }
  const every = timeStep(totalMinutes);
  for (let minute = 0; minute <= totalMinutes; minute += every) {
    parts.push(
      `<line x1="${x(minute)}" x2="${x(minute)}" y1="${panel.top}" y2="${panel.top + PANEL_HEIGHT}" stroke="${colors.grid}"/>`,
      `<text x="${x(minute)}" y="${panel.top + PANEL_HEIGHT + 15}" font-size="11" text-anchor="middle" fill="${colors.muted}">${clock(minute)}</text>`,
    );
  }
  parts.push(`<rect x="${LEFT}" y="${panel.top}" width="${PLOT_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#aab2bd"/>`);
  return parts;
}

const polyline = (points: readonly (readonly [number, number])[], color: string, width: number, dash = "") =>
  `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""} stroke-linejoin="round" points="${points
    .map(([px, py]) => `${round(px)},${round(py)}`)
    .join(" ")}"/>`;

/** Points of a step line: the value holds for the whole minute. */
const steps = (values: readonly number[], x: (minute: number) => number, y: (value: number) => number) =>
  values.flatMap(
    (value, minute) =>
      [
        [x(minute), y(value)],
        [x(minute + 1), y(value)],
      ] as const,
  );

function dimensionPanel(simulation: ProfileSimulation, dimension: Dimension, top: number, x: (minute: number) => number): string[] {
  const { minutes, events } = simulation.dimensions[dimension];
  const bounds = simulation.settings.bounds[dimension];
  const demand = minutes.map((entry) => entry.demand / 60);
  const consumed = minutes.map((entry) => entry.consumed / 60);
  const provisioned = minutes.map((entry) => entry.provisioned);
  const yMax = Math.max(...demand, ...provisioned, bounds.min) * 1.05;
  const { max } = niceScale(yMax);
  const y = (value: number) => top + PANEL_HEIGHT - (Math.min(value, max) / max) * PANEL_HEIGHT;
  const summary = simulation.summary.dimensions[dimension];
  const peakUse = Math.max(...minutes.map((entry) => entry.consumed / 60 / entry.provisioned));
  const title = `${dimensionLabels[dimension]}  ·  bounds ${bounds.min}–${bounds.max}  ·  peak use ${(100 * peakUse).toFixed(peakUse < 0.1 ? 1 : 0)} % of provisioned  ·  ${summary.scaleOuts} scale-outs, ${summary.scaleIns} scale-ins  ·  throttled ${summary.minutesThrottled} min`;
  const parts = panelFrame({ top, title, unit: "units/s", yMax }, minutes.length, x);
  // Throttled units: the gap between what was asked for and what was served.
  minutes.forEach((entry, minute) => {
    if (entry.throttled <= 0) return;
    const upper = y(entry.demand / 60);
    parts.push(
      `<rect x="${round(x(minute))}" y="${round(upper)}" width="${round(Math.max(1, x(minute + 1) - x(minute)))}" height="${round(y(entry.consumed / 60) - upper)}" fill="${colors.throttled}" fill-opacity="0.35"/>`,
    );
  });
  parts.push(
    polyline(steps(demand, x, y), colors.demand, 1.5, "5 3"),
    polyline(steps(consumed, x, y), colors.consumed, 1.8),
    polyline(steps(provisioned, x, y), colors.provisioned, 2.2),
  );
  for (const raise of simulation.dimensions[dimension].guardEvents.filter((event) => event.kind === "raise")) {
    const px = x(raise.effectiveAt);
    const py = y(raise.minimum);
    parts.push(
      `<polygon points="${px},${py - 6} ${px + 6},${py} ${px},${py + 6} ${px - 6},${py}" fill="#e8830c" stroke="#111111" stroke-width="0.8"><title>capacity guard raises the minimum at ${clock(raise.effectiveAt)} to ${raise.minimum}</title></polygon>`,
    );
  }
  for (const event of events) {
    const px = x(event.effectiveAt);
    const py = y(event.to);
    const shape =
      event.kind === "scale-out" ? `${px - 5},${py + 4} ${px + 5},${py + 4} ${px},${py - 5}` : `${px - 5},${py - 4} ${px + 5},${py - 4} ${px},${py + 5}`;
    parts.push(
      `<polygon points="${shape}" fill="${event.kind === "scale-out" ? "#2ca02c" : "#9467bd"}"><title>${event.kind} at ${clock(event.effectiveAt)}: ${event.from} → ${event.to}</title></polygon>`,
    );
  }
  return parts;
}

function requestsPanel(simulation: ProfileSimulation, top: number, x: (minute: number) => number): string[] {
  const requests = simulation.requestsPerMinute;
  const throttled = simulation.throttledRequestsPerMinute;
  const yMax = Math.max(...requests) * 1.05;
  const { max } = niceScale(yMax);
  const y = (value: number) => top + PANEL_HEIGHT - (value / max) * PANEL_HEIGHT;
  const { summary } = simulation;
  const title = `API requests per minute  ·  ${formatNumber(summary.requests)} requests, ${formatNumber(summary.throttledRequests)} throttled in ${summary.minutesWithThrottledRequests} min`;
  const parts = panelFrame({ top, title, unit: "req/min", yMax }, requests.length, x);
  const area = [[x(0), y(0)], ...steps(requests, x, y), [x(requests.length), y(0)]] as const;
  parts.push(
    `<polygon fill="${colors.requests}" fill-opacity="0.35" stroke="none" points="${area.map(([px, py]) => `${round(px)},${round(py)}`).join(" ")}"/>`,
  );
  throttled.forEach((count, minute) => {
    if (count <= 0) return;
    parts.push(
      `<rect x="${round(x(minute))}" y="${round(y(count))}" width="${round(Math.max(1, x(minute + 1) - x(minute)))}" height="${round(y(0) - y(count))}" fill="${colors.throttled}"/>`,
    );
  });
  return parts;
}

function legend(top: number): string[] {
  const items: [string, string][] = [
    [`<line x1="0" x2="26" y1="0" y2="0" stroke="${colors.demand}" stroke-width="2" stroke-dasharray="5 3"/>`, "demand"],
    [`<line x1="0" x2="26" y1="0" y2="0" stroke="${colors.consumed}" stroke-width="2"/>`, "consumed"],
    [`<line x1="0" x2="26" y1="0" y2="0" stroke="${colors.provisioned}" stroke-width="2.5"/>`, "provisioned"],
    [`<rect x="0" y="-6" width="26" height="12" fill="${colors.throttled}" fill-opacity="0.35"/>`, "throttled capacity"],
    [
      `<polygon points="8,4 18,4 13,-5" fill="#2ca02c"/><polygon points="8,-4 18,-4 13,5" fill="#9467bd" transform="translate(14 0)"/>`,
      "scale-out / scale-in takes effect",
    ],
    [`<polygon points="13,-6 19,0 13,6 7,0" fill="#e8830c" stroke="#111111" stroke-width="0.8"/>`, "guard raises the minimum"],
    [`<rect x="0" y="-6" width="26" height="12" fill="${colors.requests}" fill-opacity="0.5"/>`, "API requests"],
    [`<rect x="0" y="-6" width="26" height="12" fill="${colors.throttled}"/>`, "throttled requests"],
  ];
  let offset = LEFT;
  return items.map(([symbol, label]) => {
    const group = `<g transform="translate(${offset} ${top})">${symbol}<text x="${label.startsWith("scale") ? 40 : 32}" y="4" font-size="12" fill="${colors.text}">${escapeXml(label)}</text></g>`;
    offset += 48 + label.length * 6.6;
    return group;
  });
}

/** The whole chart, as an SVG document. */
export function renderChart(simulation: ProfileSimulation, title: string): string {
  const totalMinutes = simulation.requestsPerMinute.length;
  const x = (minute: number) => LEFT + (minute / totalMinutes) * PLOT_WIDTH;
  const panelTop = (index: number) => HEADER + index * (PANEL_HEIGHT + PANEL_GAP);
  const height = panelTop(dimensions.length + 1) - PANEL_GAP + 40;
  const { behaviour } = simulation.settings;
  const subtitle = `Stage "${simulation.settings.stage}": target ${behaviour.targetUtilizationPercent} %, scale out after ${behaviour.scaleOutDatapoints} min above target, scale in after ${behaviour.scaleInDatapoints} min ${behaviour.scaleInMarginPercent} points below, new capacity usable ${behaviour.scaleOutDelayMinutes} min after the alarm, burst ${behaviour.burstSeconds} s${simulation.settings.guard ? ", capacity guard on throttling" : ""}. Times are UTC.`;
  const body = [
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="34" font-size="21" font-weight="700" fill="${colors.text}">${escapeXml(title)}</text>`,
    `<text x="${LEFT}" y="58" font-size="13" fill="${colors.muted}">${escapeXml(subtitle)}</text>`,
    ...legend(86),
    ...dimensions.flatMap((dimension, index) => dimensionPanel(simulation, dimension, panelTop(index), x)),
    ...requestsPanel(simulation, panelTop(dimensions.length), x),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
${body.join("\n")}
</svg>
`;
}
