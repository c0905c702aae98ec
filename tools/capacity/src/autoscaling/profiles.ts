import { readFile } from "node:fs/promises";
import { z } from "zod";
import { Mix } from "../loadtest/mix.js";

/**
 * A traffic profile: API requests per minute, each minute with its route mix.
 * Minute 0 is 00:00 UTC of the first day (decrease quotas count per UTC day).
 */
export const ProfileMinute = z.strictObject({
  minute: z.number().int().min(0),
  requestsPerMinute: z.number().min(0),
  mix: Mix,
});
export type ProfileMinute = z.infer<typeof ProfileMinute>;

export const TrafficProfile = z
  .array(ProfileMinute)
  .min(1, "must have at least one minute")
  .superRefine((entries, context) => {
    entries.forEach((entry, index) => {
      if (entry.minute !== index) {
        context.addIssue({ code: "custom", path: [index, "minute"], message: `must be ${index}: minutes start at 0 and have no gaps` });
      }
    });
  });
export type TrafficProfile = z.infer<typeof TrafficProfile>;

export const builtInProfiles = ["daily-3000", "burst", "scale"] as const;
export type BuiltInProfile = (typeof builtInProfiles)[number];

const MINUTES_PER_DAY = 24 * 60;

/**
 * Splits `total` into integers proportional to `weights` (largest remainder),
 * so the parts always add up to `total` exactly.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  if (sum <= 0) throw new Error("Weights must add up to more than 0.");
  const exact = weights.map((weight) => (total * weight) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((acc, part) => acc + part, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    parts[index]! += 1;
    left -= 1;
  }
  return parts;
}

const bell = (minute: number, center: number, width: number) => Math.exp(-0.5 * ((minute - center) / width) ** 2);

export interface DailyProfileOptions {
  /** API requests over the day. @default 3000 */
  readonly interactionsPerDay?: number;
  /** @default "read-heavy" */
  readonly mix?: Mix;
}

/**
 * A day of `interactionsPerDay` requests: a morning peak around 09:00 UTC, a
 * larger evening peak around 19:30, and a low background the rest of the time.
 */
export function dailyProfile(options: DailyProfileOptions = {}): TrafficProfile {
  const total = options.interactionsPerDay ?? 3000;
  const mix = options.mix ?? "read-heavy";
  return apportion(total, dailyWeights()).map((requestsPerMinute, minute) => ({ minute, requestsPerMinute, mix }));
}

/** Relative traffic of each minute of the day: the shape of {@link dailyProfile}, which the cost report uses too. */
export function dailyWeights(): number[] {
  return Array.from({ length: MINUTES_PER_DAY }, (_, minute) => 0.15 + 1.0 * bell(minute, 9 * 60, 60) + 1.3 * bell(minute, 19.5 * 60, 75));
}

export interface BurstProfileOptions {
  /** Steady requests per minute before and after the burst. @default 300 */
  readonly baseRequestsPerMinute?: number;
  /** The burst runs at this multiple of the base. @default 20 */
  readonly factor?: number;
  /** Minute the burst starts. @default 60 */
  readonly startMinute?: number;
  /** How long the burst lasts. @default 20 */
  readonly burstMinutes?: number;
  /** Length of the whole profile. @default 240 */
  readonly totalMinutes?: number;
  /** @default "read-heavy" */
  readonly mix?: Mix;
}

/** Steady load, then a sudden `factor`× burst for `burstMinutes`, then steady load again. */
export function burstProfile(options: BurstProfileOptions = {}): TrafficProfile {
  const base = options.baseRequestsPerMinute ?? 300;
  const factor = options.factor ?? 20;
  const start = options.startMinute ?? 60;
  const length = options.burstMinutes ?? 20;
  const total = options.totalMinutes ?? 240;
  const mix = options.mix ?? "read-heavy";
  if (start + length > total) throw new Error("The burst must end within the profile.");
  return Array.from({ length: total }, (_, minute) => ({
    minute,
    requestsPerMinute: minute >= start && minute < start + length ? base * factor : base,
    mix,
  }));
}

/** A built-in profile by name, or a JSON file holding a {@link TrafficProfile}. */
export async function loadProfile(nameOrFile: string, options: { mix?: Mix; burstMinutes?: number } = {}): Promise<TrafficProfile> {
  if (nameOrFile === "daily-3000") return dailyProfile({ mix: options.mix });
  if (nameOrFile === "burst") return burstProfile({ mix: options.mix, burstMinutes: options.burstMinutes });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(nameOrFile, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read profile ${nameOrFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = TrafficProfile.safeParse(json);
  if (!parsed.success) throw new Error(`Profile ${nameOrFile} is not valid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
