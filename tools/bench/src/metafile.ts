import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Metafile } from "@users-api/functions/function-bundling";

/**
 * What a function's bundle is made of, from the esbuild metafile of its build (SST asks esbuild for
 * one; packages/functions/src/function-bundling.ts writes it out when `USERS_API_METAFILE_DIR` is set).
 */
export interface BundleComposition {
  /** Output files (base names, all in the handler's directory) that `import()` of the handler loads: the handler module and the chunks it imports statically. */
  readonly initFiles: readonly string[];
  /** Output files loaded only through a dynamic `import()`, if ever. */
  readonly lazyFiles: readonly string[];
  /** Input files (paths as esbuild names them) with code in the init files. */
  readonly initInputs: readonly string[];
  /** Input files with code only in lazily loaded files. */
  readonly lazyInputs: readonly string[];
  /** Bytes each package contributes to the init files (minified), largest first; `(ours)` is the repository's own code. */
  readonly initPackages: readonly { readonly name: string; readonly bytes: number }[];
}

export async function readMetafile(file: string): Promise<Metafile> {
  return JSON.parse(await readFile(file, "utf8")) as Metafile;
}

/** `…/node_modules/.pnpm/x@1/node_modules/@scope/name/dist/…` → `@scope/name`; our own files → `(ours)`. */
export const packageOf = (input: string) => /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? "(ours)";

/** The composition of the build whose entry point is `entry` (the handler's source, as the metafile names it). */
export function compositionOf(metafile: Metafile, entry: string): BundleComposition {
  const outputs = Object.entries(metafile.outputs).filter(([file]) => !file.endsWith(".map"));
  const main = outputs.find(([, output]) => output.entryPoint !== undefined && (output.entryPoint === entry || output.entryPoint.endsWith(`/${entry}`)));
  if (!main) throw new Error(`No output has the entry point ${entry}`);
  const byFile = new Map(outputs);
  const init = new Set<string>();
  const pending = [main[0]];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (init.has(file)) continue;
    init.add(file);
    for (const { path, kind } of byFile.get(file)?.imports ?? []) if (kind === "import-statement" && byFile.has(path)) pending.push(path);
  }
  const inputsOf = (files: readonly string[]) => new Set(files.flatMap((file) => Object.keys(byFile.get(file)?.inputs ?? {})));
  const lazy = outputs.map(([file]) => file).filter((file) => !init.has(file));
  const initInputs = inputsOf([...init]);
  const packages = new Map<string, number>();
  for (const file of init) {
    for (const [input, { bytesInOutput }] of Object.entries(byFile.get(file)?.inputs ?? {})) {
      packages.set(packageOf(input), (packages.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return {
    initFiles: [...init].map((file) => basename(file)),
    lazyFiles: lazy.map((file) => basename(file)),
    initInputs: [...initInputs],
    lazyInputs: [...inputsOf(lazy)].filter((input) => !initInputs.has(input)),
    initPackages: [...packages.entries()].sort(([, a], [, b]) => b - a).map(([name, bytes]) => ({ name, bytes })),
  };
}
