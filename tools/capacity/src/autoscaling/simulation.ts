import type { RouteName } from "@users-api/core";
import { routeNames, sharesOf } from "../loadtest/mix.js";
import { costPerRequest, defaultRequestShape, dimensions, type Dimension, type RequestShape } from "./consumption.js";
import { simulateDimensions, type CapacitySimulation, type GuardEvent } from "./model.js";
import type { TrafficProfile } from "./profiles.js";
import type { ModelSettings } from "./settings.js";

export interface DimensionSummary {
  readonly peakDemandPerSecond: number;
  readonly peakConsumedPerSecond: number;
  readonly minProvisioned: number;
  readonly peakProvisioned: number;
  /** Provisioned units × hours: what the bill is proportional to. */
  readonly provisionedUnitHours: number;
  readonly throttledUnits: number;
  readonly minutesThrottled: number;
  readonly scaleOuts: number;
  readonly scaleIns: number;
  /** Times the capacity guard raised this dimension's minimum. */
  readonly guardRaises: number;
}

export interface ProfileSimulation {
  readonly settings: ModelSettings;
  readonly shape: RequestShape;
  readonly requestsPerMinute: readonly number[];
  readonly dimensions: Readonly<Record<Dimension, CapacitySimulation & { readonly guardEvents: readonly GuardEvent[] }>>;
  /** API requests refused by a throttled table or index, per minute. */
  readonly throttledRequestsPerMinute: readonly number[];
  readonly summary: {
    readonly minutes: number;
    readonly requests: number;
    readonly throttledRequests: number;
    readonly minutesWithThrottledRequests: number;
    readonly throttledRequestsByRoute: Readonly<Record<RouteName, number>>;
    readonly dimensions: Readonly<Record<Dimension, DimensionSummary>>;
  };
}

const sum = (values: readonly number[]) => values.reduce((acc, value) => acc + value, 0);
const max = (values: readonly number[]) => values.reduce((acc, value) => Math.max(acc, value), 0);
/** Requests below this many per minute are rounding noise, not throttling. */
const NEGLIGIBLE = 1e-9;

/**
 * Replays a profile through the capacity model of each dimension. A request
 * succeeds only if every dimension it touches served it (a write needs the
 * table and the index), so a route's throttled share in a minute is the
 * largest refused share among its dimensions.
 */
export function simulateProfile(profile: TrafficProfile, settings: ModelSettings, shape: RequestShape = defaultRequestShape): ProfileSimulation {
  const costs = costPerRequest(shape);
  const requestsByRoute = profile.map((entry) => {
    const shares = sharesOf(entry.mix);
    return Object.fromEntries(routeNames.map((name) => [name, entry.requestsPerMinute * shares[name]])) as Record<RouteName, number>;
  });
  const target = settings.behaviour.targetUtilizationPercent / 100;
  const demands = Object.fromEntries(
    dimensions.map((dimension) => [dimension, requestsByRoute.map((counts) => sum(routeNames.map((name) => counts[name] * costs[name][dimension])))]),
  ) as Record<Dimension, number[]>;
  // Start where target tracking would have settled for the first minute's load.
  const initial = Object.fromEntries(dimensions.map((dimension) => [dimension, Math.ceil((demands[dimension][0] ?? 0) / 60 / target)])) as Record<
    Dimension,
    number
  >;
  const simulations = simulateDimensions(demands, settings.bounds, settings.behaviour, initial, settings.guard);

  const throttledRequestsByRoute = Object.fromEntries(routeNames.map((name) => [name, 0])) as Record<RouteName, number>;
  const throttledRequestsPerMinute = requestsByRoute.map((counts, minute) => {
    const refusedShare = (dimension: Dimension) => {
      const { demand, throttled } = simulations[dimension].minutes[minute]!;
      return demand > 0 ? throttled / demand : 0;
    };
    return sum(
      routeNames.map((name) => {
        const touched = dimensions.filter((dimension) => costs[name][dimension] > 0);
        const refused = counts[name] * max(touched.map(refusedShare));
        throttledRequestsByRoute[name] += refused;
        return refused;
      }),
    );
  });

  const dimensionSummaries = Object.fromEntries(
    dimensions.map((dimension) => {
      const { minutes, events } = simulations[dimension];
      const summary: DimensionSummary = {
        peakDemandPerSecond: max(minutes.map((entry) => entry.demand)) / 60,
        peakConsumedPerSecond: max(minutes.map((entry) => entry.consumed)) / 60,
        minProvisioned: Math.min(...minutes.map((entry) => entry.provisioned)),
        peakProvisioned: max(minutes.map((entry) => entry.provisioned)),
        provisionedUnitHours: sum(minutes.map((entry) => entry.provisioned)) / 60,
        throttledUnits: sum(minutes.map((entry) => entry.throttled)),
        minutesThrottled: minutes.filter((entry) => entry.throttled > NEGLIGIBLE).length,
        scaleOuts: events.filter((event) => event.kind === "scale-out").length,
        scaleIns: events.filter((event) => event.kind === "scale-in").length,
        guardRaises: simulations[dimension].guardEvents.filter((event) => event.kind === "raise").length,
      };
      return [dimension, summary];
    }),
  ) as Record<Dimension, DimensionSummary>;

  return {
    settings,
    shape,
    requestsPerMinute: profile.map((entry) => entry.requestsPerMinute),
    dimensions: simulations,
    throttledRequestsPerMinute,
    summary: {
      minutes: profile.length,
      requests: sum(profile.map((entry) => entry.requestsPerMinute)),
      throttledRequests: sum(throttledRequestsPerMinute),
      minutesWithThrottledRequests: throttledRequestsPerMinute.filter((count) => count > NEGLIGIBLE).length,
      throttledRequestsByRoute,
      dimensions: dimensionSummaries,
    },
  };
}
