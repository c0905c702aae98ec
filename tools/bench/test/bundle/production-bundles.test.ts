import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { authorizer, bindings, routeList, type FunctionDefinition } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { compositionOfBundle, synthesizeProductionBundles, type ProductionBundle } from "../../src/bundle.js";
import { readMetafile, type BundleComposition } from "../../src/metafile.js";
import { bundleFunctions } from "@users-api/local/gateway/bundle";
import { lambdaEnvironment } from "@users-api/emulators/environment";
import { functionNode } from "@users-api/local/gateway/function-node";
import { startIamProxy } from "@users-api/local/iam";
import type { LocalStage } from "@users-api/emulators/stage";

/**
 * What each function of prod carries, from the esbuild metafile of its build as `sst deploy` bundles
 * it (the bench's synthesis of the prod stage), and what Node does when Lambda imports it.
 */

const run = promisify(execFile);

interface Analyzed {
  readonly bundle: ProductionBundle;
  /** The function's id (`GetUser`; the logical id for a function routes.ts does not define, e.g. the capacity guard). */
  readonly id: string;
  /** Its definition in routes.ts, for the API's functions. */
  readonly definition: FunctionDefinition | undefined;
  readonly composition: BundleComposition;
}

let workDir: string;
let analyzed: Analyzed[];

beforeAll(
  async () => {
    workDir = await mkdtemp(join(tmpdir(), "users-api-bundle-test-"));
    const bundles = await synthesizeProductionBundles(workDir);
    analyzed = await Promise.all(
      bundles.map(async (bundle) => {
        const composition = await compositionOfBundle(bundle);
        if (!composition) throw new Error(`No metafile for ${bundle.functionId}`);
        return { bundle, id: bundle.functionId, definition: bundle.definition, composition };
      }),
    );
  },
  10 * 60 * 1000,
);
afterAll(() => rm(workDir, { recursive: true, force: true }));

const readsSecret = (definition: FunctionDefinition | undefined) => definition?.bind.some((name) => bindings[name].construct === "Secret") ?? false;
/** The API's functions with their definitions. */
const apiFunctions = () => analyzed.flatMap(({ definition, ...rest }) => (definition ? [{ ...rest, definition }] : []));

/** Inputs of a bundle, by where they are: loaded at init, or only on demand. */
const inputs = ({ composition }: Analyzed) => ({ atInit: composition.initInputs, onDemand: composition.lazyInputs });
const matching = (list: readonly string[], pattern: RegExp) => list.filter((input) => pattern.test(input));

/** The SDK's credential providers other than the environment's: Lambda passes credentials in variables. */
const OTHER_CREDENTIAL_PROVIDERS =
  /@aws-sdk\/(credential-provider-(node|sso|ini|process|web-identity|http|login)|nested-clients|token-providers)\/|@smithy\/credential-provider-imds\//;

describe("the functions of prod, as sst deploy bundles them", () => {
  it("include every function of the API", () => {
    expect(
      apiFunctions()
        .map(({ definition }) => definition.id)
        .sort(),
    ).toEqual([...routeList, authorizer].map(({ id }) => id).sort());
  });

  it("carry no SSM client unless they read a Config.Secret, and then load it only on demand", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      expect(matching(atInit, /@aws-sdk\/client-ssm\//), function_.id).toEqual([]);
      if (!readsSecret(function_.definition)) expect(matching(onDemand, /@aws-sdk\/client-ssm\//), function_.id).toEqual([]);
    }
    expect(analyzed.filter((function_) => matching(inputs(function_).onDemand, /@aws-sdk\/client-ssm\//).length > 0).map(({ id }) => id)).toEqual(
      analyzed.filter(({ definition }) => readsSecret(definition)).map(({ id }) => id),
    );
  });

  it("never import sst/node/*, which builds an SSM client at import", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      expect(matching([...atInit, ...onDemand], /\/sst\/node\//), function_.id).toEqual([]);
    }
  });

  it("carry the DynamoDB client only where they use the table: not in the authorizer", () => {
    for (const function_ of apiFunctions()) {
      const { atInit, onDemand } = inputs(function_);
      const dynamoDb = matching([...atInit, ...onDemand], /@aws-sdk\/(client-dynamodb|lib-dynamodb)\//);
      if (function_.definition.bind.includes("usersTable")) expect(dynamoDb.length, function_.id).toBeGreaterThan(0);
      else expect(dynamoDb, function_.id).toEqual([]);
    }
  });

  it("leave the user schemas and the OpenAPI document out of the authorizer, and the OpenAPI document out of every function", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      expect(matching([...atInit, ...onDemand], /packages\/core\/src\/api\/openapi\.ts$/), function_.id).toEqual([]);
      if (function_.id === authorizer.id) {
        expect(matching([...atInit, ...onDemand], /packages\/core\/src\/user\/(schema|repository|cursor|merge-patch)\.ts$/)).toEqual([]);
      }
    }
  });

  it("carry no credential provider but the environment's, at init or on demand", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      expect(matching([...atInit, ...onDemand], OTHER_CREDENTIAL_PROVIDERS), function_.id).toEqual([]);
      expect(matching(atInit, /@aws-sdk\/credential-provider-env\//).length, function_.id).toBeGreaterThan(0);
    }
  });

  it("leave out the X-Ray SDK's parts no function runs: its SDK v2 patcher (and semver) and its host plugins", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      expect(
        matching([...atInit, ...onDemand], /\/semver\/|\/aws-xray-sdk-core\/dist\/lib\/(patchers\/aws_p|segments\/plugins\/\w+_plugin)\.js$/),
        function_.id,
      ).toEqual([]);
      // What traces the SDK v3 clients stays (test/bundle/tracing.test.ts sees its subsegments); the capacity guard traces nothing.
      if (function_.definition) expect(matching(atInit, /\/aws-xray-sdk-core\/dist\/lib\/patchers\/aws3_p\.js$/).length, function_.id).toBe(1);
    }
  });

  it("carry one version of each package: a lockfile that resolves two copies ships both", () => {
    for (const function_ of analyzed) {
      const { atInit, onDemand } = inputs(function_);
      const versions = new Map<string, Set<string>>();
      for (const input of [...atInit, ...onDemand]) {
        const store = /node_modules\/\.pnpm\/((?:@[^+/]+\+)?[^@/]+)@([^_/]+)/.exec(input);
        if (store) versions.set(store[1]!, (versions.get(store[1]!) ?? new Set()).add(store[2]!));
      }
      const duplicated = [...versions].filter(([, found]) => found.size > 1).map(([name, found]) => `${name}: ${[...found].join(", ")}`);
      expect(duplicated, function_.id).toEqual([]);
    }
  });

  it("reach Node's builtins through require(): no builtin is imported as an ES module, which costs Node a facade", async () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    for (const { bundle, id } of analyzed) {
      const metafile = await readMetafile(bundle.metafile!);
      const imported = Object.values(metafile.outputs).flatMap(({ imports }) =>
        imports.filter(({ path, kind, external }) => external && kind !== "require-call" && builtins.has(path)).map(({ path }) => path),
      );
      // SST's banner still imports `module` and `url` (to define require and __dirname): it is text esbuild does not parse.
      expect(imported, id).toEqual([]);
    }
  });

  it("are loaded by the functions' Node without parsing a source map", async () => {
    const stage: LocalStage = {
      app: "users-api",
      stage: "prod",
      region: "us-east-1",
      endpoints: { dynamoDb: "http://127.0.0.1:9", moto: "http://127.0.0.1:9" },
      tableName: "prod-users-api-Users",
      apiKeysSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-keys",
    };
    const probe = `const file = process.argv[1]; const loaded = await import(file);
      const { findSourceMap } = await import("node:module");
      console.log(JSON.stringify({ handler: typeof loaded.handler, sourceMapsEnabled: process.sourceMapsEnabled, parsed: findSourceMap(new URL(file).pathname) !== undefined }));`;
    const iam = await startIamProxy({ stage, functions: apiFunctions().map(({ definition }) => definition) });
    onTestFinished(() => iam.stop());
    for (const { bundle, definition } of apiFunctions()) {
      const env = lambdaEnvironment(definition, stage, {
        logLevel: "INFO",
        aws: iam.environmentFor(definition.id),
        placement: {
          taskRoot: bundle.assetDir,
          runtimeDir: bundle.assetDir,
          handler: definition.handler,
          xrayDaemonAddress: "127.0.0.1:9",
          logStreamName: "test",
        },
      });
      const { stdout } = await run(functionNode().path, ["--input-type=module", "-e", probe, pathToFileURL(bundle.mainFile).href], {
        env,
        cwd: bundle.assetDir,
      });
      expect(JSON.parse(stdout.trim().split("\n").at(-1)!), definition.id).toEqual({ handler: "function", sourceMapsEnabled: false, parsed: false });
    }
  });

  it("are the bundles the local runner builds, byte for byte but for the chunks' content hashes", async () => {
    const local = await bundleFunctions(
      apiFunctions().map(({ definition }) => definition),
      join(workDir, "local"),
    );
    // A chunk's name hashes its source map too, whose paths differ with the build directory.
    const withoutHashes = (text: string) => text.replace(/-[A-Z0-9]{8}\.mjs/g, "-HASH.mjs");
    const code = (dir: string) =>
      readdirSync(dir, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith(".mjs"))
        .map((file) => `${withoutHashes(file)}\n${withoutHashes(readFileSync(join(dir, file), "utf8"))}`)
        .sort();
    for (const { bundle, definition } of apiFunctions()) {
      const deployed = code(bundle.assetDir);
      expect(deployed.length, definition.id).toBeGreaterThan(1);
      expect(code(local.functions.get(definition.id)!.taskRoot), `${definition.id}: ${relative(workDir, bundle.assetDir)}`).toEqual(deployed);
    }
  }, 120_000);
});
