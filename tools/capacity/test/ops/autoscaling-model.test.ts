import { describe, expect, it } from "vitest";
import { defaultScalingBehaviour, simulateCapacity, type ScalingBehaviour } from "../../src/autoscaling/model.js";

const bounds = { min: 5, max: 100 };
const behaviour = defaultScalingBehaviour;
/** Capacity units per minute for a steady rate in units per second. */
const perSecond = (rate: number) => rate * 60;
const constant = (minutes: number, rate: number) => Array.from({ length: minutes }, () => perSecond(rate));

describe("the capacity model's response to a step in load", () => {
  // Prepare: 30 quiet minutes at 2 units/s, 60 minutes at 40 units/s, then 90 quiet minutes.
  const STEP_UP = 30;
  const STEP_DOWN = 90;
  const demand = [...constant(STEP_UP, 2), ...constant(STEP_DOWN - STEP_UP, 40), ...constant(90, 2)];
  // Act
  const { minutes, events } = simulateCapacity(demand, bounds, behaviour);
  const scaleOuts = events.filter((event) => event.kind === "scale-out");
  const scaleIns = events.filter((event) => event.kind === "scale-in");

  it("keeps the minimum capacity while the load stays under the target", () => {
    expect(minutes.slice(0, STEP_UP).every((entry) => entry.provisioned === bounds.min)).toBe(true);
    expect(events.every((event) => event.decidedAt >= STEP_UP)).toBe(true);
  });

  it("scales out only after two minutes above the target, and the capacity arrives after the delay", () => {
    const first = scaleOuts[0]!;
    expect(first.decidedAt).toBe(STEP_UP + behaviour.scaleOutDatapoints - 1);
    expect(first.effectiveAt).toBe(first.decidedAt + behaviour.scaleOutDelayMinutes);
    expect(minutes[first.effectiveAt - 1]!.provisioned).toBe(bounds.min);
    expect(minutes[first.effectiveAt]!.provisioned).toBe(first.to);
    expect(first.to).toBeGreaterThan(bounds.min);
  });

  it("throttles only while the burst balance is exhausted", () => {
    const throttledMinutes = minutes.filter((entry) => entry.throttled > 0);
    expect(throttledMinutes.length).toBeGreaterThan(0);
    expect(throttledMinutes.every((entry) => entry.burstBalance === 0)).toBe(true);
    // The first minute of the step spends the 300 s banked during the quiet minutes before anything is refused.
    const banked = bounds.min * behaviour.burstSeconds;
    expect(minutes[STEP_UP - 1]!.burstBalance).toBe(banked);
    expect(minutes[STEP_UP]!.consumed).toBe(perSecond(bounds.min) + banked);
    expect(minutes[STEP_UP]!.throttled).toBe(perSecond(40) - perSecond(bounds.min) - banked);
  });

  it("settles at consumed / target and stops throttling", () => {
    const settled = Math.ceil(40 / (behaviour.targetUtilizationPercent / 100));
    expect(minutes[STEP_DOWN - 1]!.provisioned).toBe(settled);
    expect(minutes.slice(STEP_DOWN - 10, STEP_DOWN).every((entry) => entry.throttled === 0)).toBe(true);
    // Scale-outs only go up, each to what the consumption seen asked for.
    for (const event of scaleOuts) expect(event.to).toBeGreaterThan(event.from);
  });

  it("scales in after fifteen minutes well below the target, back to the minimum", () => {
    expect(scaleIns).toHaveLength(1);
    const [scaleIn] = scaleIns;
    expect(scaleIn!.decidedAt).toBe(STEP_DOWN + behaviour.scaleInDatapoints - 1);
    expect(scaleIn!.to).toBe(bounds.min);
    expect(minutes.at(-1)!.provisioned).toBe(bounds.min);
  });

  it("never goes below the minimum or above the maximum, even when demand exceeds the maximum", () => {
    const overload = simulateCapacity([...constant(10, 1), ...constant(60, 500), ...constant(60, 1)], bounds, behaviour);
    const provisioned = overload.minutes.map((entry) => entry.provisioned);
    expect(Math.min(...provisioned)).toBeGreaterThanOrEqual(bounds.min);
    expect(Math.max(...provisioned)).toBe(bounds.max);
    // At the maximum, the excess is throttled for as long as it lasts.
    expect(overload.minutes[69]!.provisioned).toBe(bounds.max);
    expect(overload.minutes[69]!.throttled).toBe(perSecond(500 - bounds.max));
    for (const entry of [...minutes, ...overload.minutes]) {
      expect(entry.provisioned).toBeGreaterThanOrEqual(bounds.min);
      expect(entry.provisioned).toBeLessThanOrEqual(bounds.max);
    }
  });
});

describe("burst capacity", () => {
  const flat = { min: 10, max: 10 };

  it("absorbs a short spike from the capacity left unused in the last five minutes", () => {
    // Prepare: idle, so 300 s × 10 units are banked; then one minute 2,000 units above the provisioned 600.
    const { minutes } = simulateCapacity([0, 0, 0, 0, 0, 600 + 2000, 0], flat, behaviour);
    // Assess
    expect(minutes[5]!.throttled).toBe(0);
    expect(minutes[5]!.consumed).toBe(2600);
    expect(minutes[5]!.burstBalance).toBe(3000 - 2000);
  });

  it("throttles the part of a spike beyond the banked capacity", () => {
    const { minutes } = simulateCapacity([0, 0, 0, 0, 0, 600 + 4000], flat, behaviour);
    expect(minutes[5]!.consumed).toBe(600 + 3000);
    expect(minutes[5]!.throttled).toBe(1000);
    expect(minutes[5]!.burstBalance).toBe(0);
  });

  it("refills only from unused capacity and never beyond 300 seconds of it", () => {
    const { minutes } = simulateCapacity([0, 600 + 3000, 300, 300, 0, 0, 0, 0, 0, 0], flat, behaviour);
    expect(minutes[1]!.burstBalance).toBe(0);
    expect(minutes[2]!.burstBalance).toBe(300);
    expect(minutes[3]!.burstBalance).toBe(600);
    expect(Math.max(...minutes.map((entry) => entry.burstBalance))).toBe(3000);
  });
});

describe("scale-in quota", () => {
  it("decreases at most four times at any time in a UTC day, then once per hour without a decrease", () => {
    // Prepare: a fast policy and a load that rises and falls every 10 minutes for a day, asking to scale in 72 times.
    const fast: ScalingBehaviour = { ...behaviour, scaleOutDatapoints: 1, scaleInDatapoints: 2, scaleOutDelayMinutes: 1, scaleInDelayMinutes: 1 };
    const demand = Array.from({ length: 1440 }, (_, minute) => perSecond(Math.floor(minute / 10) % 2 === 0 ? 50 : 1));
    // Act
    const scaleIns = simulateCapacity(demand, bounds, fast).events.filter((event) => event.kind === "scale-in");
    // Assess
    const at = scaleIns.map((event) => event.effectiveAt);
    expect(at.length).toBeGreaterThan(4);
    expect(at.length).toBeLessThanOrEqual(27);
    for (const [index, minute] of at.slice(4).entries()) expect(minute - at[index + 3]!).toBeGreaterThanOrEqual(60);
  });

  it("allows four more decreases when a new UTC day starts", () => {
    const fast: ScalingBehaviour = { ...behaviour, scaleOutDatapoints: 1, scaleInDatapoints: 2, scaleOutDelayMinutes: 1, scaleInDelayMinutes: 1 };
    const demand = Array.from({ length: 1440 + 80 }, (_, minute) => perSecond(Math.floor(minute / 10) % 2 === 0 ? 50 : 1));
    const secondDay = simulateCapacity(demand, bounds, fast)
      .events.filter((event) => event.kind === "scale-in" && event.effectiveAt >= 1440)
      .map((event) => event.effectiveAt);
    expect(secondDay).toHaveLength(4);
    expect(secondDay.at(-1)! - secondDay[0]!).toBeLessThan(60);
  });
});
