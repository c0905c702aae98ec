import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { authorizer, routes, type FunctionDefinition, type RouteName } from "@users-api/core";
import { synthesize } from "../../../scripts/synth.js";
import { METAFILE_DIR_VARIABLE, metafileOf } from "@users-api/functions/function-bundling";
import { formatTable, kib } from "./format.js";
import { compositionOf, readMetafile, type BundleComposition } from "./metafile.js";

/** One function's code in the production cloud assembly. */
export interface ProductionBundle {
  /** Construct id (`GetUser`), or the logical id for a function no definition names. */
  readonly functionId: string;
  /** Key in `routes`, or `authorizer`. */
  readonly name: RouteName | "authorizer" | undefined;
  readonly definition: FunctionDefinition | undefined;
  readonly stack: string;
  readonly logicalId: string;
  /** The asset directory CDK zips and uploads. */
  readonly assetDir: string;
  /** The handler's module inside it. */
  readonly mainFile: string;
  /** The handler's source file, relative to the repository (its build's entry point). */
  readonly entry: string | undefined;
  /** The esbuild metafile of its build. */
  readonly metafile: string | undefined;
}

interface LambdaResource {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: { readonly Handler?: string; readonly Code?: { readonly S3Key?: unknown } };
}

interface AssetManifest {
  readonly files?: Record<string, { source: { path?: string }; destinations: Record<string, { objectKey: string }> }>;
}

const definitions = [...(Object.entries(routes) as [RouteName, FunctionDefinition][]), ["authorizer", authorizer] as const] as const;

/** Logical ids are the construct id plus 8 hex characters of a path hash. */
const definitionOf = (logicalId: string) => definitions.find(([, { id }]) => new RegExp(`^${id}[0-9A-F]{8}$`).test(logicalId));

/** `packages/functions/src/users/get.handler` in `dir` → its bundled module. */
function moduleOf(dir: string, handler: string): string {
  const file = handler.slice(0, handler.lastIndexOf("."));
  const found = [".mjs", ".js", ".cjs"].map((extension) => join(dir, file + extension)).find(existsSync);
  if (!found) throw new Error(`No module for handler ${handler} in ${dir}`);
  return found;
}

/** `packages/functions/src/users/get.handler` → `packages/functions/src/users/get.ts`, the file SST bundles. */
function sourceOf(handler: string): string | undefined {
  const file = handler.slice(0, handler.lastIndexOf("."));
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  return [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"].map((extension) => file + extension).find((source) => existsSync(join(root, source)));
}

/**
 * Synthesizes the `prod` stage offline, as `sst deploy` would build it, and
 * finds every Lambda function's asset through the stacks' asset manifests,
 * and the esbuild metafile of its build.
 */
export async function synthesizeProductionBundles(workDir: string): Promise<ProductionBundle[]> {
  const outdir = join(workDir, "cdk.out");
  const metafileDir = join(workDir, "metafiles");
  process.env[METAFILE_DIR_VARIABLE] = metafileDir;
  const { stacks } = await synthesize({ stage: "prod", outdir, buildDir: join(workDir, "build") }).finally(() => {
    delete process.env[METAFILE_DIR_VARIABLE];
  });
  const bundles: ProductionBundle[] = [];
  for (const { id: stack, stackName, template } of stacks) {
    const manifestFile = join(outdir, `${stackName}.assets.json`);
    const manifest = existsSync(manifestFile) ? (JSON.parse(await readFile(manifestFile, "utf8")) as AssetManifest) : {};
    const assetPathByObjectKey = new Map(
      Object.values(manifest.files ?? {}).flatMap(({ source, destinations }) =>
        Object.values(destinations).map(({ objectKey }) => [objectKey, source.path] as const),
      ),
    );
    const resources = (template.Resources ?? {}) as Record<string, LambdaResource>;
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== "AWS::Lambda::Function") continue;
      const { Handler: handler, Code: code } = resource.Properties ?? {};
      const assetPath = resource.Metadata?.["aws:asset:path"] ?? (typeof code?.S3Key === "string" ? assetPathByObjectKey.get(code.S3Key) : undefined);
      // Inline code (ZipFile) has no asset to weigh.
      if (typeof assetPath !== "string" || !handler) continue;
      const assetDir = join(outdir, assetPath);
      const [name, definition] = definitionOf(logicalId) ?? [undefined, undefined];
      // SST's handler path is the same inside the asset as in the repository.
      const entry = sourceOf(handler);
      const metafile = entry ? metafileOf(metafileDir, entry) : undefined;
      bundles.push({
        functionId: definition?.id ?? logicalId,
        name,
        definition,
        stack,
        logicalId,
        assetDir,
        mainFile: moduleOf(assetDir, handler),
        entry,
        metafile: metafile && existsSync(metafile) ? metafile : undefined,
      });
    }
  }
  return bundles;
}

export interface FileSizes {
  readonly files: number;
  readonly bytes: number;
  /** Each file gzipped on its own, summed: about what the deployment zip holds. */
  readonly gzipBytes: number;
}

export interface BundleSize {
  readonly functionId: string;
  readonly name: string | undefined;
  /** Every JavaScript file of the function's asset. */
  readonly code: FileSizes;
  /** The files `import()` of the handler loads at init: its module and the chunks it imports statically. */
  readonly init: FileSizes | null;
  /** Source maps, shipped beside the code and read only when an error's stack is. */
  readonly sourceMaps: FileSizes;
  /** The largest packages in the init files (minified bytes, from the build's metafile). */
  readonly largestPackages: readonly { readonly name: string; readonly bytes: number }[];
}

async function sizesOf(files: readonly string[]): Promise<FileSizes> {
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = await readFile(file);
    bytes += content.byteLength;
    gzipBytes += gzipSync(content).byteLength;
  }
  return { files: files.length, bytes, gzipBytes };
}

/** The composition of a production bundle, from its build's metafile. */
export async function compositionOfBundle(bundle: ProductionBundle): Promise<BundleComposition | undefined> {
  if (!bundle.metafile || !bundle.entry) return undefined;
  return compositionOf(await readMetafile(bundle.metafile), bundle.entry);
}

export async function measureBundleSizes(bundles: readonly ProductionBundle[]): Promise<BundleSize[]> {
  return Promise.all(
    bundles.map(async (bundle) => {
      const files = (await readdir(bundle.assetDir, { recursive: true })).map((file) => join(bundle.assetDir, String(file)));
      const composition = await compositionOfBundle(bundle);
      return {
        functionId: bundle.functionId,
        name: bundle.name,
        code: await sizesOf(files.filter((file) => /\.[cm]?js$/.test(file))),
        init: composition ? await sizesOf(composition.initFiles.map((file) => join(dirname(bundle.mainFile), file))) : null,
        sourceMaps: await sizesOf(files.filter((file) => file.endsWith(".map"))),
        largestPackages: composition?.initPackages.slice(0, 6) ?? [],
      };
    }),
  );
}

export function formatBundleSizes(sizes: readonly BundleSize[]): string {
  const table = formatTable(
    ["function", "route", "code", "code gzip", "files", "at init", "at init gzip", "maps"],
    sizes.map(({ functionId, name, code, init, sourceMaps }) => [
      functionId,
      name ?? "-",
      kib(code.bytes),
      kib(code.gzipBytes),
      code.files,
      init ? kib(init.bytes) : "-",
      init ? kib(init.gzipBytes) : "-",
      kib(sourceMaps.bytes),
    ]),
  );
  const composition = sizes.map(
    ({ functionId, largestPackages }) => `  ${functionId}: ${largestPackages.map(({ name, bytes }) => `${name} ${kib(bytes)}`).join(", ")}`,
  );
  return [table, "", "Largest packages loaded at init (minified bytes, from the esbuild metafile):", ...composition].join("\n");
}
