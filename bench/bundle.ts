import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { authorizer, routes, type FunctionDefinition, type RouteName } from "@users-api/core";
import { synthesize } from "../scripts/synth.js";
import { formatTable, kib } from "./format.js";

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
}

interface LambdaResource {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: { readonly Handler?: string; readonly Code?: { readonly S3Key?: unknown } };
}

interface AssetManifest {
  readonly files?: Record<string, { source: { path?: string }; destinations: Record<string, { objectKey: string }> }>;
}

const definitions = [
  ...(Object.entries(routes) as [RouteName, FunctionDefinition][]),
  ["authorizer", authorizer] as const,
] as const;

/** Logical ids are the construct id plus 8 hex characters of a path hash. */
const definitionOf = (logicalId: string) => definitions.find(([, { id }]) => new RegExp(`^${id}[0-9A-F]{8}$`).test(logicalId));

/** `packages/functions/src/users/get.handler` in `dir` → its bundled module. */
function moduleOf(dir: string, handler: string): string {
  const file = handler.slice(0, handler.lastIndexOf("."));
  const found = [".mjs", ".js", ".cjs"].map((extension) => join(dir, file + extension)).find(existsSync);
  if (!found) throw new Error(`No module for handler ${handler} in ${dir}`);
  return found;
}

/**
 * Synthesizes the `prod` stage offline, as `sst deploy` would build it, and
 * finds every Lambda function's asset through the stacks' asset manifests.
 */
export async function synthesizeProductionBundles(workDir: string): Promise<ProductionBundle[]> {
  const outdir = join(workDir, "cdk.out");
  const { stacks } = await synthesize({ stage: "prod", outdir, buildDir: join(workDir, "build") });
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
      bundles.push({ functionId: definition?.id ?? logicalId, name, definition, stack, logicalId, assetDir, mainFile: moduleOf(assetDir, handler) });
    }
  }
  return bundles;
}

export interface BundleSize {
  readonly functionId: string;
  readonly name: string | undefined;
  readonly module: { readonly bytes: number; readonly gzipBytes: number };
  readonly sourceMap: { readonly bytes: number; readonly gzipBytes: number } | null;
  /**
   * The largest packages by their share of the original sources in the
   * source map (before minification: a guide to what the bundle is made of).
   */
  readonly largestPackages: readonly { readonly name: string; readonly percent: number }[];
}

/** `…/node_modules/.pnpm/x@1/node_modules/@scope/name/dist/…` → `@scope/name`; our own files → `(ours)`. */
const packageOf = (source: string) =>
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? "(ours)";

async function largestPackages(mapFile: string, top = 5) {
  const map = JSON.parse(await readFile(mapFile, "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
  const bytes = new Map<string, number>();
  map.sources.forEach((source, i) => {
    const name = packageOf(source);
    bytes.set(name, (bytes.get(name) ?? 0) + (map.sourcesContent?.[i]?.length ?? 0));
  });
  const total = [...bytes.values()].reduce((sum, value) => sum + value, 0);
  return [...bytes.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([name, size]) => ({ name, percent: Math.round((1000 * size) / total) / 10 }));
}

async function sizeOf(file: string) {
  const content = await readFile(file);
  return { bytes: content.byteLength, gzipBytes: gzipSync(content).byteLength };
}

export async function measureBundleSizes(bundles: readonly ProductionBundle[]): Promise<BundleSize[]> {
  return Promise.all(
    bundles.map(async ({ functionId, name, mainFile }) => {
      const mapFile = `${mainFile}.map`;
      const hasMap = (await stat(mapFile).catch(() => undefined)) !== undefined;
      return {
        functionId,
        name,
        module: await sizeOf(mainFile),
        sourceMap: hasMap ? await sizeOf(mapFile) : null,
        largestPackages: hasMap ? await largestPackages(mapFile) : [],
      };
    }),
  );
}

export function formatBundleSizes(sizes: readonly BundleSize[]): string {
  const table = formatTable(
    ["function", "route", ".mjs", ".mjs gzip", ".map", ".map gzip"],
    sizes.map(({ functionId, name, module, sourceMap }) => [
      functionId,
      name ?? "-",
      kib(module.bytes),
      kib(module.gzipBytes),
      sourceMap ? kib(sourceMap.bytes) : "-",
      sourceMap ? kib(sourceMap.gzipBytes) : "-",
    ]),
  );
  const composition = sizes.map(
    ({ functionId, largestPackages }) => `  ${functionId}: ${largestPackages.map(({ name, percent }) => `${name} ${percent}%`).join(", ")}`,
  );
  return [table, "", "Largest packages (share of original sources in the source map):", ...composition].join("\n");
}
