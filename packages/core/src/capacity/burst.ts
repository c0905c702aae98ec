/**
 * How the capacity guard sizes a table or index dimension after DynamoDB
 * throttled it. DynamoDB supports no step scaling (Application Auto Scaling
 * offers only target tracking for it), and target tracking sees only consumed
 * capacity: throttled requests consume nothing, so each of its steps reaches
 * about 1.4x what was served and a 20x burst needs many steps, minutes apart.
 * The guard instead estimates the whole demand of the minute that throttled,
 * served plus refused, and raises the minimum to it in one step.
 */

/** What CloudWatch reports for one dimension over one minute. */
export interface MinuteReading {
  /** Consumed capacity units (Sum). */
  readonly consumedUnits: number;
  /** Requests that consumed capacity (SampleCount of the consumed metric). */
  readonly requests: number;
  /** Requests refused for lack of capacity (Read/WriteThrottleEvents, Sum). */
  readonly throttleEvents: number;
}

export interface CapacityBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Units per second the minute asked for: what was served, plus each refused
 * request at the average cost of a served one. SDK retries of a refused
 * request are refused again and counted again, so this errs high, never low.
 */
export function demandPerSecond(reading: MinuteReading): number {
  const unitsPerRequest = reading.requests > 0 ? reading.consumedUnits / reading.requests : 1;
  return (reading.consumedUnits + reading.throttleEvents * unitsPerRequest) / 60;
}

/** Capacity at which that demand sits at the target utilization, within the bounds: the minimum the guard sets. */
export function capacityForDemand(demandUnitsPerSecond: number, bounds: CapacityBounds, targetUtilizationPercent: number): number {
  const wanted = Math.ceil(demandUnitsPerSecond / (targetUtilizationPercent / 100));
  return Math.min(bounds.max, Math.max(bounds.min, wanted));
}

/** True when `units` reach `percent` of the maximum: the guard pages about capacity. */
export const nearMaximum = (units: number, bounds: CapacityBounds, percent: number) => units >= (bounds.max * percent) / 100;
