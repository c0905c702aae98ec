import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { functionDefaults } from "@users-api/core";

/**
 * The Node.js that runs function environments locally: the same major version as the Lambda runtime
 * (`nodejs22.x`), whatever Node runs the tools. It comes from the npm registry as an optional
 * dependency of this package, one `node-<platform>-<arch>` package per platform (each declares its
 * `os` and `cpu`, so pnpm installs only the machine's; none has an install script).
 */

/** Platforms the registry has a `node-<platform>-<arch>@22` package for; see package.json's optionalDependencies. */
export const FUNCTION_NODE_PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "win-x64", "win-arm64"] as const;

/** `nodejs22.x` → 22. */
export const LAMBDA_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(functionDefaults.runtime)?.[1]);

export interface FunctionNode {
  /** The executable. */
  readonly path: string;
  /** `v22.23.2`, or the machine's version when it is the fallback. */
  readonly version: string;
  /** Why the machine's Node runs the functions instead, when it does. */
  readonly warning?: string;
}

const platformName = (platform: NodeJS.Platform, arch: string) => `${platform === "win32" ? "win" : platform}-${arch}`;

/**
 * Finds the Node executable for function environments: the registry's binary for this platform, else
 * the machine's Node when it already is the Lambda runtime's major version, else the machine's Node
 * with a warning saying why the functions do not run on the runtime's version.
 */
export function functionNode(platform: NodeJS.Platform = process.platform, arch: string = process.arch): FunctionNode {
  if (platform !== process.platform || arch !== process.arch) return findFunctionNode(platform, arch);
  machineFunctionNode ??= findFunctionNode(platform, arch);
  return machineFunctionNode;
}

let machineFunctionNode: FunctionNode | undefined;

function findFunctionNode(platform: NodeJS.Platform, arch: string): FunctionNode {
  const name = `node-${platformName(platform, arch)}`;
  const require = createRequire(import.meta.url);
  try {
    const manifest = require.resolve(`${name}/package.json`);
    const { version } = require(manifest) as { version: string };
    const executable = join(dirname(manifest), "bin", platform === "win32" ? "node.exe" : "node");
    if (existsSync(executable)) return { path: executable, version: `v${version}` };
  } catch {
    // Not installed on this platform: see below.
  }
  const machineMajor = Number(process.versions.node.split(".")[0]);
  if (machineMajor === LAMBDA_NODE_MAJOR) return { path: process.execPath, version: process.version };
  const supported = FUNCTION_NODE_PLATFORMS.includes(platformName(platform, arch) as (typeof FUNCTION_NODE_PLATFORMS)[number]);
  return {
    path: process.execPath,
    version: process.version,
    warning: supported
      ? `${name} is not installed (run pnpm install): functions run on this machine's Node ${process.version}, not Node ${LAMBDA_NODE_MAJOR} as on Lambda (${functionDefaults.runtime}).`
      : `The npm registry has no Node ${LAMBDA_NODE_MAJOR} binary for ${platformName(platform, arch)} (${name}): functions run on this machine's Node ${process.version}, not Node ${LAMBDA_NODE_MAJOR} as on Lambda (${functionDefaults.runtime}). Install Node ${LAMBDA_NODE_MAJOR} to run them as Lambda does.`,
  };
}
