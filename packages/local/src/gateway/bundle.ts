import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionDefinition } from "@users-api/core";
import { build } from "esbuild";

/** The repository root, which SST handler paths are relative to. */
export const repositoryRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

const RUNTIME_ENTRY = fileURLToPath(new URL("./runtime/bootstrap.ts", import.meta.url));
const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"];

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
 * Bundles every function once, roughly as SST does for `nodejs` runtimes
 * (ESM, platform node, everything bundled including the AWS SDK, source maps,
 * a `require` for CommonJS dependencies), one bundle per function under
 * `<buildDir>/<FunctionId>/`, plus the runtime bootstrap.
 */
export async function bundleFunctions(
  definitions: readonly FunctionDefinition[],
  buildDir: string,
  rootDir = repositoryRoot,
): Promise<Bundles> {
  const entryPoints: Record<string, string> = { ".runtime/bootstrap": RUNTIME_ENTRY };
  const functions = new Map<string, FunctionBundle>();
  for (const definition of definitions) {
    if (functions.has(definition.id)) throw new Error(`Function id "${definition.id}" is defined twice.`);
    const { file, exportName } = splitHandler(definition.handler);
    entryPoints[`${definition.id}/${file}`] = sourceFileOf(rootDir, file);
    functions.set(definition.id, { taskRoot: join(buildDir, definition.id), handler: `${file}.${exportName}` });
  }
  await Promise.all([...functions.keys(), ".runtime"].map((dir) => rm(join(buildDir, dir), { recursive: true, force: true })));
  await build({
    absWorkingDir: rootDir,
    entryPoints,
    outdir: buildDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    // What runs it here: Node 20 (Lambda runs nodejs22.x, a superset).
    target: "node20",
    mainFields: ["module", "main"],
    keepNames: true,
    sourcemap: true,
    external: ["sharp", "pg-native"],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from "module";`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
      ].join("\n"),
    },
    logLevel: "error",
  });
  return { functions, bootstrap: join(buildDir, ".runtime", "bootstrap.mjs") };
}
