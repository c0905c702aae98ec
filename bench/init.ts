import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { FunctionDefinition, LogLevel } from "@users-api/core";
import { build } from "esbuild";
import { lambdaEnvironment, localAwsEnvironment } from "../packages/local/src/gateway/index.js";
import type { LocalStage } from "../packages/local/src/stage.js";
import { summarizeLatencies, type LatencySummary } from "../scripts/loadtest/stats.js";
import type { ProductionBundle } from "./bundle.js";
import { formatTable, ms } from "./format.js";

const run = promisify(execFile);

/**
 * Runs in a fresh `node`: imports the bundle (its top-level awaits included,
 * e.g. `sst/node/config` fetching a secret from SSM) and reports how long that
 * took, and how long since the process started.
 */
const IMPORT_PROBE = `
const started = performance.now();
const loaded = await import(process.argv[1]);
const importMs = performance.now() - started;
if (typeof loaded.handler !== "function") throw new Error("The bundle exports no handler.");
process.stdout.write(JSON.stringify({ importMs, readyMs: performance.now() }), () => process.exit(0));
`;

const minimalDefinition: FunctionDefinition = {
  id: "Minimal",
  handler: "minimal-handler.handler",
  bind: [],
  tableAccess: {},
  apiKeysSecretAccess: [],
};

/**
 * Bundles the baseline handler with the settings SST uses for an ESM
 * function (`sst/runtime/handlers/node.js`) plus the ones `sst.config.ts` sets
 * (`minify`, `sourcemap`).
 */
export async function buildMinimalBundle(workDir: string): Promise<{ taskRoot: string; mainFile: string }> {
  const taskRoot = join(workDir, "minimal");
  const mainFile = join(taskRoot, "minimal-handler.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./init/minimal-handler.ts", import.meta.url))],
    outfile: mainFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    keepNames: true,
    minify: true,
    sourcemap: true,
    external: ["sharp", "pg-native"],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
    logLevel: "error",
  });
  return { taskRoot, mainFile };
}

interface Subject {
  readonly functionId: string;
  readonly name: string;
  readonly mainFile: string;
  readonly env: Record<string, string>;
}

export interface InitTime {
  readonly functionId: string;
  readonly name: string;
  readonly runs: number;
  /** `import()` of the bundle, to the end of its top-level awaits. */
  readonly importMs: LatencySummary;
  /** From the process's start (Node's own boot included) to the handler being ready. */
  readonly readyMs: LatencySummary;
  /** Median import time above the baseline's: the init cost that is ours. */
  readonly overBaselineP50Ms: number;
}

async function probe(subject: Subject): Promise<{ importMs: number; readyMs: number }> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", IMPORT_PROBE, pathToFileURL(subject.mainFile).href], {
    env: subject.env,
    cwd: join(subject.mainFile, ".."),
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { importMs: number; readyMs: number };
}

/**
 * Imports every production bundle, and the baseline, in fresh Node processes
 * with the environment Lambda would give the function (bindings on the
 * emulators). Rounds go through every bundle in turn so background load hits
 * all alike; the first round only warms the file cache and is not counted.
 */
export async function measureInitTimes(options: {
  readonly bundles: readonly ProductionBundle[];
  readonly stage: LocalStage;
  readonly logLevel: LogLevel;
  readonly workDir: string;
  readonly runs: number;
}): Promise<InitTime[]> {
  const { stage, logLevel } = options;
  const environmentOf = (definition: FunctionDefinition, taskRoot: string) =>
    lambdaEnvironment(definition, stage, {
      logLevel,
      aws: localAwsEnvironment(stage),
      placement: { taskRoot, runtimeDir: taskRoot, handler: definition.handler, xrayDaemonAddress: "127.0.0.1:2000", logStreamName: "bench" },
    });
  const minimal = await buildMinimalBundle(options.workDir);
  const functions: Subject[] = options.bundles.flatMap(({ functionId, name, definition, assetDir, mainFile }) =>
    definition && name ? [{ functionId, name, mainFile, env: environmentOf(definition, assetDir) }] : [],
  );
  // sst.config.ts sets NODE_OPTIONS=--enable-source-maps; one function without it shows what that costs at init.
  const withoutSourceMaps = functions.filter(({ name }) => name === "getUser").map(({ env: { NODE_OPTIONS: _, ...env }, ...subject }) => ({
    ...subject,
    name: `${subject.name} (no --enable-source-maps)`,
    env,
  }));
  const subjects: Subject[] = [
    { functionId: "Minimal", name: "baseline", mainFile: minimal.mainFile, env: environmentOf(minimalDefinition, minimal.taskRoot) },
    ...functions,
    ...withoutSourceMaps,
  ];
  const samples = new Map(subjects.map((subject) => [subject, [] as { importMs: number; readyMs: number }[]]));
  for (let round = 0; round <= options.runs; round++) {
    for (const subject of subjects) {
      const sample = await probe(subject);
      if (round > 0) samples.get(subject)!.push(sample);
    }
  }
  const summaries = subjects.map((subject) => {
    const taken = samples.get(subject)!;
    return {
      subject,
      importMs: summarizeLatencies(taken.map(({ importMs }) => importMs))!,
      readyMs: summarizeLatencies(taken.map(({ readyMs }) => readyMs))!,
    };
  });
  const baseline = summaries[0]!.importMs.p50;
  return summaries.map(({ subject, importMs, readyMs }) => ({
    functionId: subject.functionId,
    name: subject.name,
    runs: options.runs,
    importMs,
    readyMs,
    overBaselineP50Ms: ms(importMs.p50 - baseline),
  }));
}

export function formatInitTimes(times: readonly InitTime[]): string {
  return formatTable(
    ["function", "route", "import p50 ms", "import p90 ms", "ready p50 ms", "ready p90 ms", "ours (p50 - baseline)"],
    times.map(({ functionId, name, importMs, readyMs, overBaselineP50Ms }) => [
      functionId,
      name,
      importMs.p50,
      importMs.p90,
      readyMs.p50,
      readyMs.p90,
      name === "baseline" ? "-" : overBaselineP50Ms,
    ]),
  );
}
