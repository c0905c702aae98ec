import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake on the command line: the command prints the message, then its usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A command that cannot go on for a reason outside its command line, whose message says how to fix it (AWS
 * credentials missing, say): printed as that message alone, one line, with exit code 1.
 */
export class CommandRefused extends Error {
  override readonly name = "CommandRefused";
}

/** Exit code of a usage error (as getopt-style tools do), and of any other failure. */
export const USAGE_EXIT_CODE = 2;
export const FAILURE_EXIT_CODE = 1;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Node's `parseArgs`, with its complaints (an unknown option, a missing value) raised as a {@link UsageError}.
 *
 * @example
 * const { values } = parseCommandLine({ args: argv, options: { stage: { type: "string" } } });
 */
export function parseCommandLine<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

/** What a command prints on stderr for an error that ended it, and its exit code. */
export interface FailureReport {
  readonly text: string;
  readonly exitCode: number;
}

/** The synopsis of a usage text: its first line that shows the command (`pnpm ...`), or its first line. */
export function synopsisOf(usage: string): string {
  const lines = usage.split("\n").map((line) => line.trim());
  return (lines.find((line) => line.startsWith("pnpm ")) ?? lines[0] ?? "").replace(/^Usage:\s*/, "");
}

/**
 * How a command reports the error that ended it: a usage error in one line, its message and the synopsis (the
 * fix), with exit code 2; anything else as `Error: <message>` (the stack too with `showStack`), with exit code 1.
 */
export function failureReport(error: unknown, usage: string, options: { readonly showStack?: boolean } = {}): FailureReport {
  if (error instanceof CommandRefused) return { text: error.message, exitCode: FAILURE_EXIT_CODE };
  if (error instanceof UsageError) return { text: `${error.message.replace(/\.$/, "")}. Usage: ${synopsisOf(usage)}`, exitCode: USAGE_EXIT_CODE };
  const detail = options.showStack && error instanceof Error && error.stack ? error.stack : messageOf(error);
  return { text: `Error: ${detail}`, exitCode: FAILURE_EXIT_CODE };
}

/**
 * Runs a command's `main` and exits the process with its code, or with the {@link failureReport} of the
 * error it threw.
 *
 * @example
 * runCommand(() => main(process.argv.slice(2)), usage);
 */
export function runCommand(main: () => Promise<number>, usage: string, options: { readonly showStack?: boolean } = {}): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        const report = failureReport(error, usage, options);
        console.error(report.text);
        process.exit(report.exitCode);
      },
    );
}
