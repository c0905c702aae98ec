import { UsageError, parseCommandLine } from "@users-api/cli";
import { z } from "zod";
import { MixName } from "../loadtest/mix.js";

export const autoscalingUsage = `Replay a traffic profile through a model of DynamoDB provisioned capacity with target-tracking autoscaling.

  pnpm autoscaling --profile <daily-3000|burst|scale|file.json> [--stage prod] [--mix read-heavy|write-heavy]
                   [--burst-minutes 20] [--out .local/autoscaling]

--profile  daily-3000: 3,000 requests over a day with a morning and an evening peak;
           burst: 300 requests/min, then 20x for --burst-minutes, then 300/min again;
           scale: 10,000 user writes and 50,000 reads a second, steady: load per partition key of the
           table and the index against DynamoDB's per-partition limits, and the first limit met;
           or a JSON file: [{ "minute": 0, "requestsPerMinute": 120, "mix": "read-heavy" }, ...]
--stage    whose capacity bounds and target to use (stacks/stage-settings.ts); default prod
--mix      route mix of the built-in profiles; default read-heavy
--out      directory for autoscaling-<profile>.svg and .json; default .local/autoscaling`;

export const AutoscalingArgs = z.strictObject({
  profile: z.string({ error: "--profile is required" }).min(1, "--profile is required"),
  stage: z.string().min(1).default("prod"),
  mix: z.enum(MixName.options, { error: `--mix must be one of ${MixName.options.join(", ")}` }).optional(),
  burstMinutes: z.coerce.number().int().min(1, "--burst-minutes must be at least 1").optional(),
  out: z.string().min(1).default(".local/autoscaling"),
});
export type AutoscalingArgs = z.infer<typeof AutoscalingArgs>;

/** Parses the command line; `undefined` means help was asked for. */
export function parseAutoscalingArgs(argv: readonly string[]): AutoscalingArgs | undefined {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      profile: { type: "string" },
      stage: { type: "string" },
      mix: { type: "string" },
      "burst-minutes": { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  const parsed = AutoscalingArgs.safeParse({
    profile: values.profile,
    stage: values.stage,
    mix: values.mix,
    burstMinutes: values["burst-minutes"],
    out: values.out,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  return parsed.data;
}
