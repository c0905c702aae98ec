import { z } from "zod";

const Bounds = z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) });
const ReadWrite = z.strictObject({ read: Bounds, write: Bounds });

/** What the capacity guard of a stage watches, as the Monitoring stack hands it over ({@link GUARD_SETTINGS_VARIABLE}). */
export const GuardSettings = z.strictObject({
  tableName: z.string().min(1),
  indexNames: z.array(z.string().min(1)),
  table: ReadWrite,
  indexes: ReadWrite,
  targetUtilizationPercent: z.number().min(1).max(100),
  capacityOfMaximumPercent: z.number().min(1).max(100),
  topicArn: z.string().min(1),
});
export type GuardSettings = z.infer<typeof GuardSettings>;

export const GUARD_SETTINGS_VARIABLE = "CAPACITY_GUARD_SETTINGS";
