import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionDefinition } from "@users-api/core";
import { build } from "esbuild";
import { functionBundling, sstEsbuild, sstEsbuildOptions } from "@users-api/functions/function-bundling";

/** The repository root, which SST handler paths are relative to. */
export const repositoryRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

const RUNTIME_ENTRY = fileURLToPath(new URL("./runtime/bootstrap.ts", import.meta.url));
const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** Where one function's bundle lives: Lambda's task root, and the handler relative to it. */
export interface FunctionBundle {
  readonly taskRoot: string;
  readonly handler: string;
}

export interface Bundles {
  readonly functions: ReadonlyMap<string, FunctionBundle>;
  /** The runtime bootstrap each execution environment runs. */
  readonly bootstrap: string;
}

/** `packages/functions/src/users/create.handler` → `packages/functions/src/users/create` and `handler`. */
function splitHandler(handler: string) {
  const slash = handler.lastIndexOf("/");
  const dot = handler.indexOf(".", slash + 1);
  if (dot < 0) throw new Error(`Handler "${handler}" must be <file>.<export>.`);
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function sourceFileOf(rootDir: string, file: string): string {
  const found = SOURCE_EXTENSIONS.map((extension) => join(rootDir, file + extension)).find(existsSync);
  if (!found) throw new Error(`No source file for handler "${file}" under ${rootDir}.`);
  return found;
}

/**
 * Builds only the runtime bootstrap an execution environment runs (Lambda's `/var/runtime`), for bundles
 * built elsewhere (e.g. a deployed function's code, unpacked). Returns the bootstrap's path.
 */
export async function buildRuntimeBootstrap(buildDir: string): Promise<string> {
  await build({
    entryPoints: { bootstrap: RUNTIME_ENTRY },
    outdir: join(buildDir, ".runtime"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    sourcemap: true,
    logLevel: "error",
  });
  return join(buildDir, ".runtime", "bootstrap.mjs");
}

/**
 * Bundles every function as `sst deploy` does: one build per function by SST's own esbuild, with SST's
 * options and the app's bundling settings (packages/functions/src/function-bundling.ts), under `<buildDir>/<FunctionId>/`;
 * plus the runtime bootstrap.
 */
export async function bundleFunctions(definitions: readonly FunctionDefinition[], buildDir: string, rootDir = repositoryRoot): Promise<Bundles> {
  const functions = new Map<string, FunctionBundle>();
  const builds: { taskRoot: string; entry: string }[] = [];
  for (const definition of definitions) {
    if (functions.has(definition.id)) throw new Error(`Function id "${definition.id}" is defined twice.`);
    const { file, exportName } = splitHandler(definition.handler);
    const taskRoot = join(buildDir, definition.id);
    builds.push({ taskRoot, entry: relative(rootDir, sourceFileOf(rootDir, file)) });
    functions.set(definition.id, { taskRoot, handler: `${file}.${exportName}` });
  }
  await Promise.all([...functions.keys(), ".runtime"].map((dir) => rm(join(buildDir, dir), { recursive: true, force: true })));
  const esbuild = sstEsbuild();
  await Promise.all([
    ...builds.map(({ taskRoot, entry }) =>
      esbuild.build({
        ...sstEsbuildOptions({ ...functionBundling, entry, outdir: join(taskRoot, dirname(entry)) }),
        absWorkingDir: rootDir,
        logLevel: "error",
      }),
    ),
    buildRuntimeBootstrap(buildDir),
  ]);
  return { functions, bootstrap: join(buildDir, ".runtime", "bootstrap.mjs") };
}
