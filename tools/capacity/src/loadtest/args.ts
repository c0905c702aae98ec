import { UsageError, parseCommandLine } from "@users-api/cli";
import { z } from "zod";
import { MixName } from "./mix.js";

export const loadTestUsage = `Drive a realistic mix of every users-api route and report throughput, latency and errors per route.

  USERS_API_KEY=<API key> pnpm loadtest --url <base URL> --rate <requests/s> --duration <30s|2m|1h>
                [--mix read-heavy|write-heavy] [--connections N] [--timeout 10s] [--out file.json]

--url          the API root: https://<id>.execute-api.<region>.amazonaws.com/<stage>, or the URL \`pnpm local\` prints
USERS_API_KEY  an API key with users:read and users:write (the environment keeps it out of process listings)
--key          the same key as an option; avoid it: a command line is visible to every user of the machine in \`ps\`
--rate         requests per second over all connections
--duration     how long to run: 45 (seconds), 30s, 2m, 1h, 1m30s
--mix          read-heavy (80 % reads, default) or write-heavy (40 % reads)
--connections  most requests in flight at once; default min(rate, 100)
--timeout      a request unanswered this long counts as an error; default 10s
--out          the JSON report; default .local/loadtest-report.json

Exits 1 when any request failed (an unexpected status or no answer).`;

const units: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * Parses a duration: whole seconds (`45`), or numbers with h/m/s units in
 * that order (`30s`, `2m`, `1h`, `1m30s`). Returns seconds.
 */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (/^\d+$/.test(value)) return positive(Number(value), text);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (!match || value === "") throw new Error(`"${text}" is not a duration: use 45, 30s, 2m, 1h or 1m30s.`);
  const [, hours, minutes, seconds] = match;
  return positive(Number(hours ?? 0) * units.h! + Number(minutes ?? 0) * units.m! + Number(seconds ?? 0), text);
}

function positive(seconds: number, text: string) {
  if (!(seconds > 0)) throw new Error(`"${text}" must be longer than 0 seconds.`);
  return seconds;
}

const Duration = z.string().transform((text, context) => {
  try {
    return parseDuration(text);
  } catch (error) {
    context.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

export const LoadTestArgs = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: "--url must be an http(s) URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/prod" })
    .transform((url) => url.replace(/\/+$/, "")),
  key: z.string({ error: "--key (or USERS_API_KEY) is required" }).min(1, "--key (or USERS_API_KEY) is required"),
  rate: z.coerce
    .number({ error: "--rate is required" })
    .int("--rate must be a whole number")
    .positive("--rate must be above 0")
    .max(10_000, "--rate must be at most 10000"),
  durationSeconds: Duration,
  mix: z.enum(MixName.options, { error: `--mix must be one of ${MixName.options.join(", ")}` }).default("read-heavy"),
  connections: z.coerce.number().int().min(1, "--connections must be at least 1").optional(),
  timeoutSeconds: Duration.default(10),
  out: z.string().min(1).default(".local/loadtest-report.json"),
});
export type LoadTestArgs = z.infer<typeof LoadTestArgs>;

/** Parses the command line; `undefined` means help was asked for. */
export function parseLoadTestArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LoadTestArgs | undefined {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      url: { type: "string" },
      key: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      mix: { type: "string" },
      connections: { type: "string" },
      timeout: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  if (values.duration === undefined) throw new UsageError("--duration is required, e.g. --duration 30s");
  const parsed = LoadTestArgs.safeParse({
    url: values.url ?? "",
    key: values.key ?? env.USERS_API_KEY,
    rate: values.rate,
    durationSeconds: values.duration,
    mix: values.mix,
    connections: values.connections,
    timeoutSeconds: values.timeout,
    out: values.out,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  return parsed.data;
}
