import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { authorizer, routes, type FunctionDefinition } from "@users-api/core";
import { builtinsThroughRequire, functionBundling, type BuildOptions } from "../stacks/function-bundling.js";
import { buildWithSst } from "./sst-build.js";

/**
 * One function bundled as production bundles it but with one lever undone, so the init benchmark
 * shows what each lever is worth in the same interleaved run. Bench-only: the substitutes below
 * exist to measure, nothing ships them.
 */
export interface LeverVariant {
  readonly name: string;
  readonly functionId: string;
  readonly definition: FunctionDefinition;
  readonly mainFile: string;
  /** Variables added to the function's environment. */
  readonly env: Record<string, string>;
}

type Plugin = NonNullable<BuildOptions["plugins"]>[number];

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const functionsDir = join(repositoryRoot, "packages/functions");
const entryOf = (definition: FunctionDefinition) => `${definition.handler.slice(0, definition.handler.lastIndexOf("."))}.ts`;

/** Replaces modules by source text: `filter` on the import specifier, resolved from packages/functions. */
function substitute(name: string, filter: RegExp, contents: string): Plugin {
  return {
    name,
    setup(build) {
      build.onResolve({ filter }, () => ({ path: name, namespace: "lever" }));
      build.onLoad({ filter: /.*/, namespace: "lever" }, ({ path }) => (path === name ? { contents, loader: "js", resolveDir: functionsDir } : undefined));
    },
  };
}

/** Bindings through `sst/node/*`, as before: an SSM client built at import, and secrets fetched by a top-level await. */
const sstBindings = substitute(
  "sst-bindings",
  /\/(bindings|secrets)\.js$/,
  `import { Table } from "sst/node/table";
import { Config } from "sst/node/config";
const values = { usersTable: () => Table.Users.tableName, apiKeysSecretArn: () => Config.API_KEYS_SECRET_ARN, cursorSecret: () => Config.CURSOR_SECRET };
export const boundValue = (name) => values[name]();
export const boundSecret = async (name) => values[name]();`,
);

/** Powertools Tracer replaced by an inert one: what tracing costs at init. */
const noTracer = substitute(
  "no-tracer",
  /^@aws-lambda-powertools\/tracer(\/middleware)?$/,
  `export class Tracer { captureAWSv3Client(client) { return client; } }
export const captureLambdaHandler = () => ({ before() {} });`,
);

const production = functionBundling;
const withPlugins = (...plugins: Plugin[]) => ({ ...production, esbuild: { ...production.esbuild, plugins: [...plugins, ...production.esbuild.plugins] } });

export async function leverVariants(workDir: string): Promise<LeverVariant[]> {
  const variants: { name: string; definition: FunctionDefinition; settings: Parameters<typeof buildWithSst>[2]; env?: Record<string, string> }[] = [
    { name: "getUser, every lever (as deployed)", definition: routes.getUser, settings: production },
    { name: "getUser without splitting", definition: routes.getUser, settings: { ...production, splitting: false } },
    {
      name: "getUser, builtins imported as ES modules",
      definition: routes.getUser,
      settings: { ...production, esbuild: { ...production.esbuild, plugins: production.esbuild.plugins.filter(({ name }) => name !== builtinsThroughRequire().name) } },
    },
    {
      name: "getUser, source map parsed at init",
      definition: routes.getUser,
      settings: { ...production, esbuild: { ...production.esbuild, sourcesContent: true } },
      env: { NODE_OPTIONS: "--enable-source-maps" },
    },
    { name: "getUser, bindings by sst/node/table", definition: routes.getUser, settings: withPlugins(sstBindings) },
    { name: "getUser without the tracer", definition: routes.getUser, settings: withPlugins(noTracer) },
    {
      name: "getUser, tracer patching http and https",
      definition: routes.getUser,
      settings: production,
      env: { POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: "true" },
    },
    { name: "listUsers, secret by sst/node/config", definition: routes.listUsers, settings: withPlugins(sstBindings) },
    { name: "authorizer, parameter by sst/node/config", definition: authorizer, settings: withPlugins(sstBindings) },
  ];
  const built: LeverVariant[] = [];
  for (const [index, { name, definition, settings, env = {} }] of variants.entries()) {
    const entry = entryOf(definition);
    const outdir = join(workDir, String(index), relative(repositoryRoot, join(repositoryRoot, entry, "..")));
    built.push({ name, functionId: definition.id, definition, mainFile: await buildWithSst(entry, outdir, settings), env });
  }
  return built;
}
