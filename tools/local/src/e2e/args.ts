import { UsageError, parseCommandLine } from "@users-api/cli";

export const e2eUsage = `Run the end-to-end suites.

  pnpm test:e2e                                    every suite, each file against a local API it starts itself
  pnpm test:e2e --url <base URL>                   the portable suite against a running API (a deployed stage,
                                                   \`pnpm local\`); writes users
  pnpm test:e2e --url <base URL> --smoke           the read-only smoke suite (prod): reads only, needs only
                                                   the read-only key
  pnpm test:e2e ... -- <vitest arguments>          e.g. a file filter: -- users

--url            the API root, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/pr-12 (or E2E_BASE_URL)
--key            a key with users:read and users:write (or E2E_API_KEY); not needed with --smoke
--read-only-key  a key with users:read only (or E2E_READ_ONLY_KEY)

Keys are better passed in the environment than on the command line, where other users of the machine can see them.`;

/** The suites: directories of tools/local/test/e2e. */
export type Suite = "portable" | "local-only" | "smoke";

export interface E2eRun {
  readonly suites: readonly Suite[];
  /** Extra arguments after `--`, handed to vitest as they are. */
  readonly vitestArgs: readonly string[];
  /** What vitest.e2e.config.ts and the suites read: which suites, and the target (none for a local run). */
  readonly environment: Readonly<Record<string, string>>;
}

/** Reads the command line and the environment into what to run; `undefined` means help was asked for. */
export function parseE2eArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): E2eRun | undefined {
  const separator = argv.indexOf("--");
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const vitestArgs = separator === -1 ? [] : argv.slice(separator + 1);
  const { values } = parseCommandLine({
    args: [...own],
    options: {
      url: { type: "string" },
      key: { type: "string" },
      "read-only-key": { type: "string" },
      smoke: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;

  const url = values.url ?? env.E2E_BASE_URL;
  if (!url) {
    const suites: Suite[] = values.smoke ? ["smoke"] : ["portable", "local-only", "smoke"];
    return { suites, vitestArgs, environment: { E2E_SUITES: suites.join(",") } };
  }
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, not "${url}"`);
  const readOnlyKey = values["read-only-key"] ?? env.E2E_READ_ONLY_KEY;
  if (!readOnlyKey) throw new UsageError("--read-only-key (or E2E_READ_ONLY_KEY) is required with --url");
  if (values.smoke) {
    // The smoke suite never sees a key that can write, even one set in the environment.
    return {
      suites: ["smoke"],
      vitestArgs,
      environment: { E2E_SUITES: "smoke", E2E_BASE_URL: url, E2E_READ_ONLY_KEY: readOnlyKey, E2E_API_KEY: "" },
    };
  }
  const key = values.key ?? env.E2E_API_KEY;
  if (!key) throw new UsageError("--key (or E2E_API_KEY) is required with --url, unless --smoke");
  return {
    suites: ["portable"],
    vitestArgs,
    environment: { E2E_SUITES: "portable", E2E_BASE_URL: url, E2E_API_KEY: key, E2E_READ_ONLY_KEY: readOnlyKey },
  };
}
