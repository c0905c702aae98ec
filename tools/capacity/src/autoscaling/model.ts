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

/** The capacity guard as the stacks deploy it (stacks/capacity-guard.ts, packages/functions/src/capacity/guard.ts). */
export interface GuardBehaviour {
  /**
   * Throttled units in a minute at which the `DynamoDbThrottled` alarm (one one-minute datapoint) fires.
   * The functions count throttled requests; any refused unit means at least one refused request.
   */
  readonly alarmThresholdUnits: number;
  /** Minutes from the alarm's datapoint to the raised capacity being usable (as for target tracking). */
  readonly raiseDelayMinutes: number;
}

export const defaultGuardBehaviour: GuardBehaviour = { alarmThresholdUnits: Number.MIN_VALUE, raiseDelayMinutes: 2 };

/** A change of a dimension's autoscaling minimum by the capacity guard. */
export interface GuardEvent {
  readonly kind: "raise" | "restore";
  readonly decidedAt: number;
  /** First minute the new minimum (and, for a raise, the capacity) is in effect. */
  readonly effectiveAt: number;
  readonly minimum: number;
}

/**
 * One dimension's provisioned capacity, burst balance and target-tracking
 * alarms, advanced one minute at a time. The bounds' minimum can be raised
 * and restored by the capacity guard.
 */
class CapacityDimension {
  readonly minutes: CapacityMinute[] = [];
  readonly events: ScalingEvent[] = [];
  readonly guardEvents: GuardEvent[] = [];
  private provisioned: number;
  private burstBalance: number;
  private minimum: number;
  private pending: ScalingEvent | undefined;
  private pendingRaise: GuardEvent | undefined;
  private lastScaleOutAt = Number.NEGATIVE_INFINITY;
  private lastScaleInAt = Number.NEGATIVE_INFINITY;
  private readonly decreases: number[] = [];

  constructor(
    private readonly bounds: CapacityBounds,
    private readonly behaviour: ScalingBehaviour,
    initialProvisioned: number,
  ) {
    if (bounds.min <= 0 || bounds.max < bounds.min) throw new Error(`Capacity bounds ${bounds.min}..${bounds.max} are not valid.`);
    this.minimum = bounds.min;
    this.provisioned = this.clamp(initialProvisioned);
    this.burstBalance = this.provisioned * behaviour.burstSeconds;
  }

  private clamp(units: number) {
    return Math.min(this.bounds.max, Math.max(this.minimum, units));
  }

  /** What target tracking asks for: the capacity at which this consumption would sit at the target. */
  private desiredFor(consumedPerMinute: number) {
    return this.clamp(Math.ceil(consumedPerMinute / 60 / (this.behaviour.targetUtilizationPercent / 100)));
  }

  private decreaseAllowedAt(minute: number) {
    const day = Math.floor(minute / MINUTES_PER_DAY);
    const today = this.decreases.filter((at) => Math.floor(at / MINUTES_PER_DAY) === day);
    if (today.length < this.behaviour.decreasesAnyTimePerDay) return true;
    const last = this.decreases.at(-1) ?? Number.NEGATIVE_INFINITY;
    return minute - last >= this.behaviour.extraDecreaseAfterMinutes;
  }

  /** True when each of the last `count` minutes' consumption satisfies `test`. */
  private lastMinutesAll(count: number, test: (consumed: number) => boolean) {
    return this.minutes.length >= count && this.minutes.slice(-count).every((entry) => test(entry.consumed));
  }

  /** Serves one minute of demand, then lets the target-tracking alarms look at it. */
  step(minute: number, demand: number): CapacityMinute {
    const { behaviour } = this;
    if (this.pendingRaise && this.pendingRaise.effectiveAt === minute) {
      // Application Auto Scaling moves a capacity below a new minimum up to it (RegisterScalableTarget).
      this.provisioned = Math.max(this.provisioned, this.pendingRaise.minimum);
      this.pendingRaise = undefined;
    }
    if (this.pending && this.pending.effectiveAt === minute) {
      this.provisioned = this.clamp(this.pending.to);
      this.events.push({ ...this.pending, to: this.provisioned });
      if (this.pending.kind === "scale-in") {
        this.decreases.push(minute);
        this.lastScaleInAt = minute;
      } else {
        this.lastScaleOutAt = minute;
      }
      this.pending = undefined;
    }

    const perMinute = this.provisioned * 60;
    const consumed = Math.min(demand, perMinute + this.burstBalance);
    this.burstBalance = Math.min(this.provisioned * behaviour.burstSeconds, Math.max(0, this.burstBalance + perMinute - consumed));
    const entry = { minute, demand, consumed, throttled: demand - consumed, provisioned: this.provisioned, burstBalance: this.burstBalance };
    this.minutes.push(entry);

    // Alarm thresholds follow the capacity in effect; a pending scale-out blocks a new request (the table is updating).
    const target = behaviour.targetUtilizationPercent / 100;
    const scaleInThreshold = (behaviour.targetUtilizationPercent - behaviour.scaleInMarginPercent) / 100;
    const highAlarm = this.lastMinutesAll(behaviour.scaleOutDatapoints, (used) => used > target * perMinute);
    const lowAlarm = this.lastMinutesAll(behaviour.scaleInDatapoints, (used) => used < scaleInThreshold * perMinute);
    if (highAlarm && this.pending?.kind !== "scale-out" && minute - this.lastScaleOutAt >= behaviour.scaleOutCooldownMinutes) {
      const to = this.desiredFor(consumed);
      // A scale-out replaces a pending scale-in: the cooldown never holds back adding capacity.
      if (to > this.provisioned) {
        this.pending = { kind: "scale-out", decidedAt: minute, effectiveAt: minute + behaviour.scaleOutDelayMinutes, from: this.provisioned, to };
      }
    } else if (lowAlarm && !this.pending && !this.pendingRaise && minute - this.lastScaleInAt >= behaviour.scaleInCooldownMinutes) {
      const to = this.desiredFor(consumed);
      const effectiveAt = minute + behaviour.scaleInDelayMinutes;
      if (to < this.provisioned && this.decreaseAllowedAt(effectiveAt)) {
        this.pending = { kind: "scale-in", decidedAt: minute, effectiveAt, from: this.provisioned, to };
      }
    }
    return entry;
  }

  /** The guard raises the minimum to what this minute's whole demand needs at the target (if above the capacity). */
  raiseForDemand(minute: number, demand: number, delayMinutes: number) {
    const wanted = Math.min(this.bounds.max, Math.max(this.bounds.min, Math.ceil(demand / 60 / (this.behaviour.targetUtilizationPercent / 100))));
    if (wanted <= this.provisioned || wanted <= (this.pendingRaise?.minimum ?? 0)) return;
    this.minimum = wanted;
    if (this.pending?.kind === "scale-in") this.pending = undefined;
    this.pendingRaise = { kind: "raise", decidedAt: minute, effectiveAt: minute + delayMinutes, minimum: wanted };
    this.guardEvents.push(this.pendingRaise);
  }

  /** The guard puts the minimum back to the stage's setting; capacity stays until target tracking scales in. */
  restoreMinimum(minute: number) {
    if (this.minimum === this.bounds.min) return;
    this.minimum = this.bounds.min;
    this.guardEvents.push({ kind: "restore", decidedAt: minute, effectiveAt: minute + 1, minimum: this.bounds.min });
  }

  result(): CapacitySimulation & { guardEvents: readonly GuardEvent[] } {
    return { minutes: this.minutes, events: this.events, guardEvents: this.guardEvents };
  }
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
  const dimension = new CapacityDimension(bounds, behaviour, initialProvisioned);
  for (const [minute, demand] of demandPerMinute.entries()) dimension.step(minute, demand);
  const { minutes, events } = dimension.result();
  return { minutes, events };
}

/**
 * Runs several dimensions of one table together, with the capacity guard
 * when given: its alarm fires on the first minute any dimension throttles
 * (one datapoint), the guard then raises each throttled dimension's minimum
 * to that minute's demand at the target, and puts the minimums back when a
 * minute passes without throttling. Alarm actions run on state changes only.
 */
export function simulateDimensions<D extends string>(
  demands: Readonly<Record<D, readonly number[]>>,
  bounds: Readonly<Record<D, CapacityBounds>>,
  behaviour: ScalingBehaviour,
  initial: Readonly<Record<D, number>>,
  guard?: GuardBehaviour,
): Record<D, CapacitySimulation & { guardEvents: readonly GuardEvent[] }> {
  const names = Object.keys(demands) as D[];
  const states = Object.fromEntries(names.map((name) => [name, new CapacityDimension(bounds[name], behaviour, initial[name])])) as Record<D, CapacityDimension>;
  const length = Math.max(...names.map((name) => demands[name].length));
  let alarm = false;
  for (let minute = 0; minute < length; minute++) {
    const served = names.map((name) => ({ name, entry: states[name].step(minute, demands[name][minute] ?? 0) }));
    if (!guard) continue;
    const breaching = served.some(({ entry }) => entry.throttled >= guard.alarmThresholdUnits && entry.throttled > 0);
    if (breaching && !alarm) {
      for (const { name, entry } of served) {
        if (entry.throttled > 0) states[name].raiseForDemand(minute, entry.demand, guard.raiseDelayMinutes);
      }
    } else if (!breaching && alarm) {
      for (const name of names) states[name].restoreMinimum(minute);
    }
    alarm = breaching;
  }
  return Object.fromEntries(names.map((name) => [name, states[name].result()])) as Record<D, CapacitySimulation & { guardEvents: readonly GuardEvent[] }>;
}
