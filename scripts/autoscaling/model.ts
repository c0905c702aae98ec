/**
 * A minute-by-minute model of one DynamoDB provisioned capacity dimension
 * (a table's or an index's reads or writes) under Application Auto Scaling
 * target tracking, with burst capacity. Each rule cites where it comes from
 * in {@link assumptions} (`./assumptions.ts`).
 */

/** Autoscaling keeps provisioned capacity units per second between these. */
export interface CapacityBounds {
  readonly min: number;
  readonly max: number;
}

/** How target tracking and DynamoDB behave; {@link defaultScalingBehaviour} holds AWS's values. */
export interface ScalingBehaviour {
  /** Consumed / provisioned capacity the policy aims at, in percent. */
  readonly targetUtilizationPercent: number;
  /** One-minute datapoints above the target, in a row, before the scale-out alarm fires. */
  readonly scaleOutDatapoints: number;
  /** One-minute datapoints below the scale-in threshold, in a row, before the scale-in alarm fires. */
  readonly scaleInDatapoints: number;
  /** The scale-in threshold lies this many percentage points below the target. */
  readonly scaleInMarginPercent: number;
  /** Minutes from the alarm firing to the new capacity being usable (metric delay, alarm, UpdateTable). */
  readonly scaleOutDelayMinutes: number;
  readonly scaleInDelayMinutes: number;
  /** Minutes after a scale-out (scale-in) took effect before the next one may start. */
  readonly scaleOutCooldownMinutes: number;
  readonly scaleInCooldownMinutes: number;
  /** Unused capacity is kept for bursts, up to this many seconds of the provisioned rate. */
  readonly burstSeconds: number;
  /** Decreases allowed at any time in a UTC day... */
  readonly decreasesAnyTimePerDay: number;
  /** ...and after those, one more whenever no decrease happened for this many minutes. */
  readonly extraDecreaseAfterMinutes: number;
}

export const defaultScalingBehaviour: ScalingBehaviour = {
  targetUtilizationPercent: 70,
  scaleOutDatapoints: 2,
  scaleInDatapoints: 15,
  scaleInMarginPercent: 20,
  scaleOutDelayMinutes: 2,
  scaleInDelayMinutes: 2,
  scaleOutCooldownMinutes: 0,
  scaleInCooldownMinutes: 0,
  burstSeconds: 300,
  decreasesAnyTimePerDay: 4,
  extraDecreaseAfterMinutes: 60,
};

const MINUTES_PER_DAY = 24 * 60;

/** One minute of one capacity dimension. Capacity units are summed over the minute; `provisioned` is per second. */
export interface CapacityMinute {
  readonly minute: number;
  /** Units the requests of this minute asked for. */
  readonly demand: number;
  /** Units served (what CloudWatch reports as consumed). */
  readonly consumed: number;
  /** Units refused: demand above provisioned plus the burst balance. */
  readonly throttled: number;
  /** Provisioned units per second in effect during this minute. */
  readonly provisioned: number;
  /** Burst capacity left at the end of the minute, in units. */
  readonly burstBalance: number;
}

export interface ScalingEvent {
  readonly kind: "scale-out" | "scale-in";
  /** Minute whose datapoint made the alarm fire. */
  readonly decidedAt: number;
  /** First minute with the new capacity. */
  readonly effectiveAt: number;
  readonly from: number;
  readonly to: number;
}

export interface CapacitySimulation {
  readonly minutes: readonly CapacityMinute[];
  readonly events: readonly ScalingEvent[];
}

/**
 * Runs the model over per-minute demand (capacity units per minute).
 *
 * Per minute: serve demand from `provisioned × 60` plus the burst balance;
 * bank what is left unused (up to `burstSeconds × provisioned`); then
 * evaluate the two alarms on the minutes so far against the capacity in
 * effect, as Application Auto Scaling's alarms do after each capacity change.
 * A firing alarm asks for `consumed / target` per second (clamped to the
 * bounds), usable after the delay.
 *
 * @example
 * const { minutes } = simulateCapacity([600, 600, 6000], { min: 5, max: 100 });
 */
export function simulateCapacity(
  demandPerMinute: readonly number[],
  bounds: CapacityBounds,
  behaviour: ScalingBehaviour = defaultScalingBehaviour,
  initialProvisioned = bounds.min,
): CapacitySimulation {
  if (bounds.min <= 0 || bounds.max < bounds.min) throw new Error(`Capacity bounds ${bounds.min}..${bounds.max} are not valid.`);
  const target = behaviour.targetUtilizationPercent / 100;
  const scaleInThreshold = (behaviour.targetUtilizationPercent - behaviour.scaleInMarginPercent) / 100;
  const clamp = (units: number) => Math.min(bounds.max, Math.max(bounds.min, units));
  /** What target tracking asks for: the capacity at which this consumption would sit at the target. */
  const desiredFor = (consumedPerMinute: number) => clamp(Math.ceil(consumedPerMinute / 60 / target));

  let provisioned = clamp(initialProvisioned);
  let burstBalance = provisioned * behaviour.burstSeconds;
  let pending: ScalingEvent | undefined;
  let lastScaleOutAt = Number.NEGATIVE_INFINITY;
  let lastScaleInAt = Number.NEGATIVE_INFINITY;
  const decreases: number[] = [];
  const minutes: CapacityMinute[] = [];
  const events: ScalingEvent[] = [];

  const decreaseAllowedAt = (minute: number) => {
    const day = Math.floor(minute / MINUTES_PER_DAY);
    const today = decreases.filter((at) => Math.floor(at / MINUTES_PER_DAY) === day);
    if (today.length < behaviour.decreasesAnyTimePerDay) return true;
    const last = decreases.at(-1) ?? Number.NEGATIVE_INFINITY;
    return minute - last >= behaviour.extraDecreaseAfterMinutes;
  };

  /** True when each of the last `count` minutes' consumption satisfies `test`. */
  const lastMinutesAll = (count: number, test: (consumed: number) => boolean) =>
    minutes.length >= count && minutes.slice(-count).every((entry) => test(entry.consumed));

  demandPerMinute.forEach((demand, minute) => {
    if (pending && pending.effectiveAt === minute) {
      provisioned = pending.to;
      events.push(pending);
      if (pending.kind === "scale-in") {
        decreases.push(minute);
        lastScaleInAt = minute;
      } else {
        lastScaleOutAt = minute;
      }
      pending = undefined;
    }

    const perMinute = provisioned * 60;
    const consumed = Math.min(demand, perMinute + burstBalance);
    burstBalance = Math.min(provisioned * behaviour.burstSeconds, Math.max(0, burstBalance + perMinute - consumed));
    minutes.push({ minute, demand, consumed, throttled: demand - consumed, provisioned, burstBalance });

    // Alarm thresholds follow the capacity in effect; a pending scale-out blocks a new request (the table is updating).
    const highAlarm = lastMinutesAll(behaviour.scaleOutDatapoints, (used) => used > target * perMinute);
    const lowAlarm = lastMinutesAll(behaviour.scaleInDatapoints, (used) => used < scaleInThreshold * perMinute);
    if (highAlarm && pending?.kind !== "scale-out" && minute - lastScaleOutAt >= behaviour.scaleOutCooldownMinutes) {
      const to = desiredFor(consumed);
      // A scale-out replaces a pending scale-in: the cooldown never holds back adding capacity.
      if (to > provisioned) pending = { kind: "scale-out", decidedAt: minute, effectiveAt: minute + behaviour.scaleOutDelayMinutes, from: provisioned, to };
    } else if (lowAlarm && !pending && minute - lastScaleInAt >= behaviour.scaleInCooldownMinutes) {
      const to = desiredFor(consumed);
      const effectiveAt = minute + behaviour.scaleInDelayMinutes;
      if (to < provisioned && decreaseAllowedAt(effectiveAt)) {
        pending = { kind: "scale-in", decidedAt: minute, effectiveAt, from: provisioned, to };
      }
    }
  });
  return { minutes, events };
}
