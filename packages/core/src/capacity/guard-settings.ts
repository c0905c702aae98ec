import * as z from "../zod.js";

const Bounds = z.strictObject({ min: z.int().check(z.minimum(1)), max: z.int().check(z.minimum(1)) });
const ReadWrite = z.strictObject({ read: Bounds, write: Bounds });

/** What the capacity guard of a stage watches, as the Monitoring stack hands it over ({@link GUARD_SETTINGS_VARIABLE}). */
export const GuardSettings = z.strictObject({
  tableName: z.string().check(z.minLength(1)),
  indexNames: z.array(z.string().check(z.minLength(1))),
  table: ReadWrite,
  indexes: ReadWrite,
  targetUtilizationPercent: z.number().check(z.minimum(1), z.maximum(100)),
  capacityOfMaximumPercent: z.number().check(z.minimum(1), z.maximum(100)),
  topicArn: z.string().check(z.minLength(1)),
});
export type GuardSettings = z.infer<typeof GuardSettings>;

export const GUARD_SETTINGS_VARIABLE = "CAPACITY_GUARD_SETTINGS";
