import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** An import of one repository file by another (paths relative to the repository root). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

const SOURCE = /\.(ts|mts|cts)$/;
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".sst", ".git", ".local", ".vitest", "cdk.out", "dist", "generated"]);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

function sourceFiles(root: string, dir = ""): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) || entry.name.startsWith(".") ? [] : sourceFiles(root, path);
    return SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Where each workspace package lives, by name, read from the package.json files. */
function workspacePackages(root: string): Map<string, string> {
  const packages = new Map<string, string>();
  for (const parent of ["packages", "tools"]) {
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        const { name } = JSON.parse(readFileSync(join(root, parent, entry.name, "package.json"), "utf8")) as { name: string };
        packages.set(name, `${parent}/${entry.name}`);
      } catch {
        // a folder without a package.json is not a package
      }
    }
  }
  return packages;
}

/**
 * Every import between repository files, drawn from the sources: relative specifiers and workspace package
 * names (`@users-api/local/gateway` is an edge into tools/local). Imports of other packages are not edges.
 */
export function importGraph(root: string): ImportEdge[] {
  const packages = workspacePackages(root);
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      if (!specifier) continue;
      if (specifier.startsWith(".")) {
        edges.push({ from: file, to: relative(root, normalize(join(root, dirname(file), specifier))) });
        continue;
      }
      const name = specifier.split("/").slice(0, 2).join("/");
      const dir = packages.get(name);
      if (dir) edges.push({ from: file, to: `${dir}/${specifier.slice(name.length + 1) || "index"}` });
    }
  }
  return edges;
}

/** The part of the house a file belongs to. */
export type Part = "tools" | "test-harness" | "core" | "functions" | "client" | "stacks" | "app-scripts" | "product-tests";

export function partOf(path: string): Part {
  if (path.startsWith("tools/")) return "tools";
  if (path.startsWith("packages/emulators/")) return "test-harness";
  if (/^packages\/[^/]+\/test\//.test(path) || path.startsWith("test/")) return "product-tests";
  if (path.startsWith("packages/core/")) return "core";
  if (path.startsWith("packages/functions/")) return "functions";
  if (path.startsWith("packages/client/")) return "client";
  if (path.startsWith("stacks/") || path === "sst.config.ts") return "stacks";
  return "app-scripts";
}

/** What each part may not import: the arrows that would run back up the house. */
const forbidden: Record<Part, readonly Part[]> = {
  core: ["functions", "client", "stacks", "app-scripts", "test-harness", "tools", "product-tests"],
  functions: ["client", "stacks", "app-scripts", "test-harness", "tools", "product-tests"],
  client: ["functions", "stacks", "app-scripts", "test-harness", "tools", "product-tests"],
  stacks: ["app-scripts", "test-harness", "tools", "product-tests"],
  "app-scripts": ["test-harness", "tools", "product-tests"],
  "test-harness": ["stacks", "app-scripts", "tools", "product-tests"],
  "product-tests": ["tools"],
  tools: [],
};

/** Every import that runs back up the house, as `from -> to (part -> part)`. */
export function backArrows(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter(({ from, to }) => forbidden[partOf(from)].includes(partOf(to)))
    .map(({ from, to }) => `${from} -> ${to} (${partOf(from)} -> ${partOf(to)})`);
}

/** The workspace package (its code or its tests) or top-level folder a file belongs to: the unit that must not depend on itself in a loop. */
export function unitOf(path: string): string {
  const parts = path.split("/");
  // A package's tests are a unit of their own: they may use the app's scripts that the package's code never sees.
  if ((parts[0] === "packages" || parts[0] === "tools") && parts.length > 2) return `${parts[0]}/${parts[1]}${parts[2] === "test" ? " (tests)" : ""}`;
  return parts.length > 1 ? (parts[0] ?? path) : "(root)";
}

/** Cycles between units (packages, tools, stacks, ...), each as `a -> b -> a`. */
export function unitCycles(edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [unitOf(from), unitOf(to)];
    if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  const cycles = new Set<string>();
  const visit = (unit: string, path: string[]) => {
    for (const target of next.get(unit) ?? []) {
      const at = path.indexOf(target);
      if (at >= 0) {
        const loop = path.slice(at);
        const start = loop.indexOf([...loop].sort()[0]!);
        cycles.add([...loop.slice(start), ...loop.slice(0, start), loop[start]].join(" -> "));
      } else visit(target, [...path, target]);
    }
  };
  for (const unit of next.keys()) visit(unit, [unit]);
  return [...cycles];
}
