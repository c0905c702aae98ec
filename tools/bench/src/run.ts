import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { UsageError, parseCommandLine, runCommand } from "@users-api/cli";
import { functionNode } from "@users-api/local/gateway/function-node";
import { stageSettings } from "../../../stacks/stage-settings.js";
import type { ProductionBundle } from "./bundle.js";
import { formatCapacity, measureCapacity } from "./capacity.js";
import { formatInitTimes, measureInitTimes } from "./init.js";
import { formatLatency, measureLatency } from "./latency.js";
import { prepareBenchStage, startEmulators, type Emulators } from "./local-stage.js";
import { describeMachine, formatMachine } from "./machine.js";
import { writeResults } from "./results.js";

const benchmarks = ["bundle", "init", "latency", "capacity"] as const;
type Benchmark = (typeof benchmarks)[number];

const usage = `usage: pnpm bench [--only ${benchmarks.join("|")}] [--runs 10] [--skip-levers] [--samples 200] [--seconds 10] [--connections 4]
  --runs         fresh Node processes per bundle (init)
  --skip-levers  measure only the deployed bundles and the baselines, not each lever undone (init)
  --samples      sequential requests per route (latency)
  --seconds      duration of the sustained load on GET /users/{id} (latency)
  --connections  concurrent connections of the sustained load (latency)`;

/** The stage whose bundles and settings are measured. */
const MEASURED_STAGE = "prod";

const cliOptions = {
  only: { type: "string" },
  runs: { type: "string", default: "10" },
  "skip-levers": { type: "boolean", default: false },
  samples: { type: "string", default: "200" },
  seconds: { type: "string", default: "10" },
  connections: { type: "string", default: "4" },
  help: { type: "boolean", default: false },
} as const;

function parse(argv: readonly string[]) {
  const { values } = parseCommandLine({ args: [...argv], options: cliOptions });
  const count = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`--${name} must be a positive integer, not ${value}`);
    return parsed;
  };
  if (values.only !== undefined && !benchmarks.includes(values.only as Benchmark)) throw new UsageError(`--only must be one of ${benchmarks.join(", ")}`);
  return {
    help: values.help,
    selected: values.only === undefined ? [...benchmarks] : [values.only as Benchmark],
    runs: count("runs", values.runs),
    levers: !values["skip-levers"],
    samples: count("samples", values.samples),
    seconds: count("seconds", values.seconds),
    connections: count("connections", values.connections),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parse(argv);
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const { selected } = options;
  const machine = describeMachine();
  const { logLevel } = stageSettings(MEASURED_STAGE);
  console.log(`${formatMachine(machine)}\n`);
  const node = functionNode();
  if (node.warning) console.warn(`Warning: ${node.warning}\n`);

  const workDir = await mkdtemp(join(tmpdir(), "users-api-bench-"));
  let starting: Promise<Emulators> | undefined;
  const cleanUp = async () => {
    // Also when synthesis failed while they were starting.
    await (await starting?.catch(() => undefined))?.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  // The emulators run in their own process groups: an interrupted run must still stop them.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  let sectionStarted = performance.now();
  const section = (title: string) => {
    sectionStarted = performance.now();
    console.log(`\n== ${title} ==`);
  };
  const seconds = (since: number) => `${Math.round((performance.now() - since) / 1000)} s`;
  const saved = (file: string) => console.log(`→ ${relative(process.cwd(), file)} (${seconds(sectionStarted)})`);
  const runStarted = performance.now();
  let failed = false;
  try {
    // The emulators start while the stage is synthesized.
    starting = selected.some((name) => name !== "bundle") ? startEmulators() : undefined;
    starting?.catch(() => undefined);
    let bundles: readonly ProductionBundle[] = [];
    // Loaded only when needed: SST and the CDK take seconds to import.
    const bundleBenchmark = selected.includes("bundle") || selected.includes("init") ? await import("./bundle.js") : undefined;
    if (bundleBenchmark) {
      console.log(`Synthesizing the ${MEASURED_STAGE} stage (production bundles)...`);
      bundles = await bundleBenchmark.synthesizeProductionBundles(workDir);
      console.log(`Synthesized in ${seconds(sectionStarted)}.`);
    }
    const emulators = await starting;

    if (selected.includes("bundle") && bundleBenchmark) {
      section("Bundle size of every function (production build)");
      const sizes = await bundleBenchmark.measureBundleSizes(bundles);
      console.log(bundleBenchmark.formatBundleSizes(sizes));
      saved(await writeResults("bundle", machine, { stage: MEASURED_STAGE, functions: sizes }));
    }
    if (selected.includes("init") && emulators) {
      section(`Init time: import() of each bundle in a fresh Node ${functionNode().version} process, ${options.runs} runs`);
      const stage = await prepareBenchStage(emulators.endpoints, "init");
      const times = await measureInitTimes({ bundles, stage, logLevel, workDir, runs: options.runs, levers: options.levers });
      console.log(formatInitTimes(times));
      saved(await writeResults("init", machine, { stage: MEASURED_STAGE, runs: options.runs, functions: times }));
    }
    if (selected.includes("latency") && emulators) {
      section("Latency through the local API vs direct DynamoDB Local calls");
      const stage = await prepareBenchStage(emulators.endpoints, "latency");
      const latency = await measureLatency({
        stage,
        logLevel,
        samples: options.samples,
        warmUp: 20,
        sustainedSeconds: options.seconds,
        connections: options.connections,
      });
      console.log(formatLatency(latency));
      saved(await writeResults("latency", machine, latency));
      if (!latency.sustained.zeroErrors) {
        console.error("The sustained load had errors or non-2xx answers: its requests per second do not count.");
        failed = true;
      }
    }
    if (selected.includes("capacity") && emulators) {
      section("Consumed capacity per route vs the theoretical minimum");
      const stage = await prepareBenchStage(emulators.endpoints, "capacity");
      const capacity = await measureCapacity({ stage, repetitions: 3 });
      console.log(formatCapacity(capacity));
      saved(await writeResults("capacity", machine, capacity));
    }
  } finally {
    await cleanUp();
  }
  console.log(`\nDone in ${seconds(runStarted)}.`);
  return failed ? 1 : 0;
}

runCommand(() => main(process.argv.slice(2)), usage, { showStack: true });
