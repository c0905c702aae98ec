import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

const installed = Symbol.for("users-api.source-mapped-stacks");

/**
 * Stack traces that lead to the TypeScript sources, at no cost to init.
 *
 * `--enable-source-maps` has Node parse every source map while the bundle loads: about 100 ms of each
 * cold start. V8 formats an error's `stack` only when it is first read (by the logger, the Lambda
 * runtime's "Invoke Error" line, X-Ray), so a stack formatter maps the frames then, through the map
 * esbuild writes beside each bundle file (`<file>.map`), read and parsed by Node's own `module.SourceMap`
 * the first time a frame falls in that file and kept for the container's life. Frames of files without
 * a map are left as they are. Errors nobody reads the stack of (a 404's `NotFound`) cost nothing.
 */
export function installSourceMappedStacks(): void {
  const format = Error.prepareStackTrace as ((error: Error, callSites: NodeJS.CallSite[]) => unknown) | undefined;
  // Node 20 and later define it; a runtime that does not formats stacks itself.
  if (format === undefined || installed in format) return;
  // Node's own formatter (or a test runner's) writes the stack; only its bundle frames are mapped.
  const mapped = (error: Error, callSites: NodeJS.CallSite[]): unknown => {
    const stack: unknown = format(error, callSites);
    return typeof stack === "string" ? mapStack(stack) : stack;
  };
  Error.prepareStackTrace = Object.assign(mapped, { [installed]: true });
}

/**
 * Maps each frame of a formatted stack that points into a bundle with a source map.
 *
 * @example
 * mapStack(error.stack) // "Error: boom\n    at run (packages/functions/src/users/get.ts:9:11)"
 */
export function mapStack(stack: string): string {
  return stack
    .split("\n")
    .map((line) => mapFrame(line))
    .join("\n");
}

/** `    at name (file:///var/task/get.mjs:1:2345)` or `    at file:///var/task/get.mjs:1:2345`. */
const FRAME = /^(\s+at (?:.*? \()?)((?:file:\/\/)?\/[^():]+\.m?js):(\d+):(\d+)(\)?)$/;

const maps = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** `../../../packages/functions/src/users/get.ts` → `packages/functions/src/users/get.ts`. */
const readableSource = (source: string) => source.replace(/^(?:file:\/\/)?(?:\.{1,2}\/)+/, "");

function mapFrame(line: string): string {
  const match = FRAME.exec(line);
  if (!match) return line;
  const [, prefix = "", location = "", lineNumber = "", column = "", suffix = ""] = match;
  const file = location.startsWith("file://") ? fileURLToPath(location) : location;
  const entry = sourceMapOf(file)?.findEntry(Number(lineNumber) - 1, Number(column) - 1);
  if (!entry || !("originalSource" in entry)) return line;
  return `${prefix}${readableSource(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}${suffix}`;
}
