import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, freemem, loadavg, release, totalmem } from "node:os";
import { functionNode } from "@users-api/local/gateway/function-node";

/** What the figures were measured on; every results file carries it. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryTotalGiB: number;
  readonly memoryFreeGiB: number;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews every figure. */
  readonly loadAverage: readonly number[];
  readonly kernel: string;
  readonly node: string;
  /** The Node that runs the functions (init benchmark, local API): the Lambda runtime's major version. */
  readonly functionNode: string;
  readonly java: string;
}

const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

export function describeMachine(): Machine {
  // `java -version` writes to stderr.
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryTotalGiB: gib(totalmem()),
    memoryFreeGiB: gib(freemem()),
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    kernel: release(),
    node: process.version,
    functionNode: functionNode().version,
    java: (java.stderr || java.stdout || "unknown").split("\n")[0]?.trim() ?? "unknown",
  };
}

export function formatMachine(machine: Machine): string {
  return [
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryTotalGiB} GiB RAM (${machine.memoryFreeGiB} GiB free), Linux ${machine.kernel}`,
    `Node ${machine.node} (functions: Node ${machine.functionNode}), ${machine.java}; load average ${machine.loadAverage.join(" / ")}`,
  ].join("\n");
}
