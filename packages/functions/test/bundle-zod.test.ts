import { fileURLToPath } from "node:url";
import { authorizer, routeList, type FunctionDefinition } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { functionBundling, sstEsbuild, sstEsbuildOptions } from "../src/function-bundling.js";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Bundles one function as `sst deploy` does (SST's esbuild and options, the app's bundling settings: split
 * in chunks), keeping only esbuild's account of the inputs of all its output files.
 */
async function bundledInputs(definition: FunctionDefinition): Promise<string[]> {
  const entry = `${definition.handler.slice(0, definition.handler.lastIndexOf("."))}.ts`;
  const { metafile } = await sstEsbuild().build({
    ...sstEsbuildOptions({ ...functionBundling, entry, outdir: "out" }),
    absWorkingDir: repositoryRoot,
    write: false,
    logLevel: "error",
  });
  return Object.values(metafile?.outputs ?? {}).flatMap(({ inputs }) =>
    Object.entries(inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([path]) => path),
  );
}

const zodFileOf = (path: string) => /node_modules\/zod\/(.+)$/.exec(path)?.[1];

describe("zod in the function bundles", () => {
  const inputs = new Map<string, string[]>();
  beforeAll(async () => {
    for (const definition of [...routeList, authorizer]) inputs.set(definition.id, await bundledInputs(definition));
  });

  it.each([...routeList, authorizer].map(({ id }) => id))("%s carries zod/mini and the English messages, not classic zod or other locales", (id) => {
    const zodFiles = (inputs.get(id) ?? []).map(zodFileOf).filter((file) => file !== undefined);
    expect(zodFiles.some((file) => file.startsWith("v4/mini/"))).toBe(true);
    expect(zodFiles.filter((file) => file.startsWith("v4/classic/") || file.startsWith("v3/"))).toEqual([]);
    expect(zodFiles.filter((file) => file.startsWith("v4/locales/"))).toEqual(["v4/locales/en.js"]);
    // The OpenAPI generation (zod's JSON Schema conversion, zod-openapi) is for build and dev time only.
    expect(zodFiles.filter((file) => /json-schema|to-json-schema/.test(file))).toEqual([]);
    expect((inputs.get(id) ?? []).filter((path) => path.includes("zod-openapi"))).toEqual([]);
  });
});
