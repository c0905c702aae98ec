import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sstEsbuild, sstEsbuildOptions, type BuildOptions } from "@users-api/functions/function-bundling";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Bundles a handler with SST's own esbuild and SST's options for an ESM function, plus `settings`. */
export async function buildWithSst(
  entry: string,
  outdir: string,
  settings: { minify: boolean; splitting: boolean; sourcemap: boolean; esbuild?: BuildOptions },
): Promise<string> {
  const { metafile } = await sstEsbuild().build({ ...sstEsbuildOptions({ ...settings, entry, outdir }), absWorkingDir: repositoryRoot, logLevel: "error" });
  const main = Object.entries(metafile?.outputs ?? {}).find(([, output]) => output.entryPoint?.endsWith(entry));
  if (!main) throw new Error(`esbuild wrote no output for ${entry}`);
  return join(repositoryRoot, main[0]);
}
