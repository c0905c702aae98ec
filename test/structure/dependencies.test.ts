import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { backArrows, importGraph, unitCycles } from "./import-graph.js";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

describe("the structure drawn from the imports", () => {
  const edges = importGraph(repositoryRoot);

  it("reads the imports of the whole house (tools, stacks, packages and tests)", () => {
    expect(edges.some(({ from, to }) => from.startsWith("tools/local/") && to.startsWith("packages/emulators/"))).toBe(true);
    expect(edges.some(({ from, to }) => from.startsWith("stacks/") && to.startsWith("packages/core/"))).toBe(true);
  });

  it("has no import that runs back up: nothing outside tools/ imports tools/, core imports no functions or stacks, no package imports stacks", () => {
    expect(backArrows(edges)).toEqual([]);
  });

  it("has no cycle between packages, tools and the app's folders", () => {
    expect(unitCycles(edges)).toEqual([]);
  });
});

describe("the structure check", () => {
  it("names a product file that imports a tool", () => {
    expect(backArrows([{ from: "packages/functions/test/users/get.test.ts", to: "tools/local/src/gateway/index" }])).toEqual([
      "packages/functions/test/users/get.test.ts -> tools/local/src/gateway/index (product-tests -> tools)",
    ]);
  });

  it.each([
    ["packages/core/src/api/routes.ts", "packages/functions/src/function-bundling.js", "core -> functions"],
    ["packages/core/src/api/routes.ts", "stacks/Api.js", "core -> stacks"],
    ["packages/functions/src/users/get.ts", "packages/emulators/src/stage.js", "functions -> test-harness"],
    ["packages/emulators/src/stage.ts", "stacks/Api.js", "test-harness -> stacks"],
    ["stacks/Api.ts", "tools/local/src/gateway/bundle.js", "stacks -> tools"],
  ])("refuses %s -> %s (%s)", (from, to, arrow) => {
    expect(backArrows([{ from, to }])).toEqual([`${from} -> ${to} (${arrow})`]);
  });

  it("names a cycle between two tools", () => {
    expect(
      unitCycles([
        { from: "tools/bench/src/init.ts", to: "tools/local/src/gateway/index" },
        { from: "tools/local/src/gateway/bundle.ts", to: "tools/bench/src/metafile.js" },
      ]),
    ).toEqual(["tools/bench -> tools/local -> tools/bench"]);
  });

  it("allows tools to import the product and each other in one direction", () => {
    const edges = [
      { from: "tools/bench/src/init.ts", to: "tools/local/src/gateway/index" },
      { from: "tools/local/src/gateway/bundle.ts", to: "packages/functions/src/function-bundling" },
      { from: "stacks/Api.ts", to: "packages/core/src/api/routes.js" },
    ];
    expect([...backArrows(edges), ...unitCycles(edges)]).toEqual([]);
  });
});
