import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { authorizer, routes, type FunctionDefinition } from "@users-api/core";
import { builtinsThroughRequire, functionBundling, xraySdkForLambda, type BuildOptions } from "@users-api/functions/function-bundling";
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
  /** The cold request's event, when not the function's usual one (bench/init.ts, coldRequestEvents). */
  readonly event?: string;
}

type Plugin = NonNullable<BuildOptions["plugins"]>[number];

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
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

/** Whether the invocation's trace is sampled (Lambda's trace header). */
const sampled = `/(^|;)Sampled=1(;|$)/.test(process.env._X_AMZN_TRACE_ID ?? "")`;

/**
 * The tracer loaded when the first sampled invocation writes a trace, not at init, either from a chunk of
 * its own (`import()`) or from the handler's chunk (`require()`, parsed at init, run on demand).
 * Clients are captured when it loads (the SDK resolves a client's middleware on every call).
 */
const tracerOnDemand = (how: "chunk" | "require") =>
  substitute(
    `tracer-on-demand-${how}`,
    /\/tracing\.js$/,
    `const pending = new Set();
let tracer;
let loading;
const load = (Tracer) => {
  tracer = new Tracer();
  for (const client of pending) tracer.captureAWSv3Client(client);
  pending.clear();
  return tracer;
};
export function traceAwsClient(client) { if (tracer) tracer.captureAWSv3Client(client); else pending.add(client); return client; }
export function tracerForInvocation() {
  if (!tracer && !${sampled}) return undefined;
  ${
    how === "chunk"
      ? 'return (loading ??= import("@aws-lambda-powertools/tracer").then(({ Tracer }) => load(Tracer)));'
      : 'return tracer ?? load(require("@aws-lambda-powertools/tracer").Tracer);'
  }
}`,
  );

/** No tracing at all: what the tracer costs, at init and in the first (sampled) invocation. */
const noTracer = substitute(
  "no-tracer",
  /\/tracing\.js$/,
  `export const traceAwsClient = (client) => client;
export const tracerForInvocation = () => undefined;`,
);

const production = functionBundling;
const withPlugins = (...plugins: Plugin[]) => ({ ...production, esbuild: { ...production.esbuild, plugins: [...plugins, ...production.esbuild.plugins] } });

export async function leverVariants(workDir: string): Promise<LeverVariant[]> {
  const variants: {
    name: string;
    definition: FunctionDefinition;
    settings: Parameters<typeof buildWithSst>[2];
    env?: Record<string, string>;
    event?: string;
  }[] = [
    { name: "getUser, every lever (as deployed)", definition: routes.getUser, settings: production },
    { name: "getUser without splitting", definition: routes.getUser, settings: { ...production, splitting: false } },
    {
      name: "getUser, builtins imported as ES modules",
      definition: routes.getUser,
      settings: {
        ...production,
        esbuild: { ...production.esbuild, plugins: production.esbuild.plugins.filter(({ name }) => name !== builtinsThroughRequire().name) },
      },
    },
    {
      name: "getUser, source map parsed at init",
      definition: routes.getUser,
      settings: { ...production, esbuild: { ...production.esbuild, sourcesContent: true } },
      env: { NODE_OPTIONS: "--enable-source-maps" },
    },
    { name: "getUser, bindings by sst/node/table", definition: routes.getUser, settings: withPlugins(sstBindings) },
    { name: "getUser, tracer on the 1st sampled call, own chunk", definition: routes.getUser, settings: withPlugins(tracerOnDemand("chunk")) },
    { name: "getUser, tracer on the 1st sampled call, require()", definition: routes.getUser, settings: withPlugins(tracerOnDemand("require")) },
    {
      name: "getUser, the whole X-Ray SDK",
      definition: routes.getUser,
      settings: {
        ...production,
        esbuild: { ...production.esbuild, plugins: production.esbuild.plugins.filter(({ name }) => name !== xraySdkForLambda().name) },
      },
    },
    { name: "getUser without the tracer", definition: routes.getUser, settings: withPlugins(noTracer) },
    { name: "createUser with an Idempotency-Key (as deployed)", definition: routes.createUser, settings: production, event: "createUserWithKey" },
    { name: "createUser, tracer on the 1st sampled call, own chunk", definition: routes.createUser, settings: withPlugins(tracerOnDemand("chunk")) },
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
  for (const [index, { name, definition, settings, env = {}, event }] of variants.entries()) {
    const entry = entryOf(definition);
    const outdir = join(workDir, String(index), relative(repositoryRoot, join(repositoryRoot, entry, "..")));
    built.push({ name, functionId: definition.id, definition, mainFile: await buildWithSst(entry, outdir, settings), env, ...(event ? { event } : {}) });
  }
  return built;
}
