import { writeFileSync, mkdirSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import type { NodeJSProps } from "sst/constructs";

/** esbuild as SST runs it (SST 2 depends on its own esbuild, older than the repository's). */
type SstEsbuildOptions = NonNullable<NodeJSProps["esbuild"]>;
type Plugin = NonNullable<SstEsbuildOptions["plugins"]>[number];
export type BuildOptions = SstEsbuildOptions;
type BuildResult = Parameters<Parameters<Parameters<Plugin["setup"]>[0]["onEnd"]>[0]>[0];
export type Metafile = NonNullable<BuildResult["metafile"]>;
export interface Esbuild {
  readonly version: string;
  build(options: BuildOptions): Promise<BuildResult>;
}

/** The esbuild SST bundles functions with (sst/runtime/handlers/node.js imports it). */
export function sstEsbuild(): Esbuild {
  const requireFromSst = createRequire(createRequire(import.meta.url).resolve("sst/package.json"));
  return requireFromSst("esbuild") as Esbuild;
}

/**
 * How every function is bundled: SST's `nodejs` props (stacks/app-defaults.ts); the local runner and the
 * benchmarks bundle the same way. Each choice is measured in tools/bench/README.md ("Levers").
 */

/**
 * Node 22 gives every builtin that an ES module imports an ES module facade, filled by reading each of its
 * exports: `node:http`'s lazy getters then load Node's bundled undici, about 12 ms of init for nothing.
 * `require()` builds no facade. So the bundle reaches builtins through the `require` SST's banner defines
 * (`createRequire(import.meta.url)`); esbuild's CommonJS interop keeps default, named and namespace imports.
 */
export function builtinsThroughRequire(): Plugin {
  const names = builtinModules.filter((name) => !name.startsWith("_")).map((name) => name.replace(/[/\\^$*+?.()|[\]{}]/g, "\\$&"));
  const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
  return {
    name: "builtins-through-require",
    setup(build) {
      build.onResolve({ filter }, ({ path: specifier, kind }) =>
        // The shim's own require() stays external, as esbuild makes every builtin on platform "node".
        kind === "require-call" ? undefined : { path: specifier.startsWith("node:") ? specifier : `node:${specifier}`, namespace: "builtin" },
      );
      build.onLoad({ filter: /.*/, namespace: "builtin" }, ({ path: specifier }) => ({
        contents: `module.exports = require(${JSON.stringify(specifier)});`,
        loader: "js",
      }));
    },
  };
}

/** The module that stands in for the SDK's default credential chain in every function bundle. */
// Resolved by package name: SST bundles sst.config.ts (and so this module) into one file at the app's root,
// where a path relative to import.meta.url names a file that does not exist.
const environmentCredentialsModule = createRequire(import.meta.url).resolve("@users-api/functions/environment-credentials");

/**
 * Every AWS SDK client's default configuration imports the whole credential chain
 * (`@aws-sdk/credential-provider-node`): SSO, profile files, processes, web identity, IMDS, containers and
 * console sign-in, with the STS, SSO and sign-in clients they call, about 100 KiB of code in each function.
 * Lambda (and `sst dev`, and the local runner) hand a function its credentials in environment variables, so
 * the bundles resolve that package to the environment's provider alone (packages/functions/src/environment-credentials.ts).
 */
export function environmentCredentialsOnly(): Plugin {
  return {
    name: "environment-credentials-only",
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: environmentCredentialsModule }));
    },
  };
}

/**
 * The X-Ray SDK (which Powertools Tracer drives) requires, whenever it loads, parts that no Lambda function
 * of this app runs: the AWS SDK v2 patcher (`captureAWS`, which requires `semver`, 30 KiB minified) and the
 * EC2, ECS and Elastic Beanstalk plugins (host metadata for `AWSXRay.config`, unused on Lambda). The bundles
 * replace those modules with ones that throw when called: SDK v3 clients are traced by
 * `captureAWSv3Client`, a separate module that is kept (test/bundle/tracing.test.ts).
 */
export function xraySdkForLambda(): Plugin {
  const unused = /^\.\/(patchers\/aws_p|segments\/plugins\/(ec2|ecs|elastic_beanstalk)_plugin)$/;
  return {
    name: "xray-sdk-for-lambda",
    setup(build) {
      build.onResolve({ filter: unused }, ({ path: specifier, importer }) =>
        /[\\/]aws-xray-sdk-core[\\/]/.test(importer) ? { path: specifier, namespace: "xray-unused" } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "xray-unused" }, ({ path: specifier }) => ({
        contents: `const unused = () => { throw new Error(${JSON.stringify(`aws-xray-sdk-core ${specifier} is not bundled (stacks/function-bundling.ts)`)}); };
module.exports = { captureAWS: unused, captureAWSClient: unused, getData: unused, originName: "unused" };`,
        loader: "js",
      }));
    },
  };
}

/** Set to a directory, every function build writes its esbuild metafile there (for the bundle tests and benchmarks). */
export const METAFILE_DIR_VARIABLE = "USERS_API_METAFILE_DIR";

/** Where a build of `entry` (a handler file relative to the repository) leaves its metafile. */
export const metafileOf = (dir: string, entry: string) => path.join(dir, `${entry.replace(/[\\/]/g, "__")}.json`);

/**
 * Writes each build's metafile (SST always asks esbuild for one) where {@link METAFILE_DIR_VARIABLE}
 * says, and nowhere when it is unset: deploys ship the same bundle either way.
 */
export function writeMetafile(): Plugin {
  return {
    name: "write-metafile",
    setup(build) {
      build.onEnd((result) => {
        const dir = process.env[METAFILE_DIR_VARIABLE];
        const entries = build.initialOptions.entryPoints;
        if (!dir || !result.metafile || !Array.isArray(entries) || entries.length !== 1 || typeof entries[0] !== "string") return;
        mkdirSync(dir, { recursive: true });
        writeFileSync(metafileOf(dir, path.relative(process.cwd(), path.resolve(entries[0]))), JSON.stringify(result.metafile));
      });
    },
  };
}

/**
 * SST `nodejs` props of every function.
 * - `minify`: smaller code to read and compile at init.
 * - `splitting`: code reached only through `import()` stays in chunks loaded on demand, such as the
 *   SSM client that reads a secret (packages/functions/src/secrets.ts).
 * - the SDK's credential chain is the environment's provider alone ({@link environmentCredentialsOnly}).
 * - the X-Ray SDK without its SDK v2 patcher and host plugins ({@link xraySdkForLambda}).
 * - `sourcemap: true` writes each map beside its bundle, without `--enable-source-maps` Node never
 *   reads it at init; the logger maps a logged error's stack lazily (packages/functions/src/source-mapped-stack.ts).
 *   `sourcesContent: false`: file, line and column need no copy of the sources.
 */
export const functionBundling = {
  format: "esm",
  minify: true,
  splitting: true,
  sourcemap: true,
  esbuild: { sourcesContent: false, plugins: [builtinsThroughRequire(), environmentCredentialsOnly(), xraySdkForLambda(), writeMetafile()] },
} satisfies NodeJSProps;

/**
 * What SST's Node.js handler builder passes to esbuild for an ESM function (sst/runtime/handlers/node.js,
 * `build`), for bundling as SST does without SST: the local runner and the benchmark's baseline.
 */
export function sstEsbuildOptions(options: {
  readonly entry: string;
  readonly outdir: string;
  readonly minify: boolean;
  readonly splitting: boolean;
  readonly sourcemap: boolean;
  readonly esbuild?: BuildOptions;
}): BuildOptions {
  const { external = [], ...override } = options.esbuild ?? {};
  return {
    entryPoints: [options.entry],
    platform: "node",
    external: ["sharp", "pg-native", ...external],
    keepNames: true,
    bundle: true,
    logLevel: "silent",
    splitting: options.splitting,
    metafile: true,
    outExtension: { ".js": ".mjs" },
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
        "",
      ].join("\n"),
    },
    outdir: options.outdir,
    sourcemap: options.sourcemap,
    minify: options.minify,
    ...override,
  };
}
