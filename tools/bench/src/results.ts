import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./machine.js";

/** Generated output, ignored by git: `tools/bench/results/<name>.json`. */
export const resultsDir = fileURLToPath(new URL("../results", import.meta.url));

export async function writeResults(name: string, machine: Machine, figures: object): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  await writeFile(file, `${JSON.stringify({ recordedAt: new Date().toISOString(), machine, ...figures }, null, 2)}\n`);
  return file;
}
