import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "@users-api/emulators/child-process";

/**
 * `sst deploy` publishes assets and deploys stacks through the CDK toolkit inside SST. Its AWS SDK
 * clients must reach the network with the toolkit's own retry strategy: a mismatched
 * `@smithy/util-retry` once made every call throw a TypeError before sending anything.
 */
const requireFromRoot = createRequire(join(process.cwd(), "package.json"));
const sstDir = dirname(requireFromRoot.resolve("sst/package.json"));
const toolkitDir = dirname(createRequire(join(sstDir, "package.json")).resolve("@aws-cdk/toolkit-lib/package.json"));
const cdkAssetsDir = dirname(createRequire(join(toolkitDir, "package.json")).resolve("cdk-assets/package.json"));

interface SdkModule {
  readonly [name: string]: unknown;
}
type ClientClass = new (config: Record<string, unknown>) => { send(command: unknown): Promise<unknown>; destroy(): void };
type CommandClass = new (input: Record<string, unknown>) => unknown;

/** The `@aws-sdk/client-*` packages a package depends on, as it resolves them. */
function sdkClientsOf(packageDir: string) {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith("@aws-sdk/client-"));
}

/** The package's client and its parameterless read commands, e.g. `ListBucketsCommand`. */
function clientAndCommands(sdk: SdkModule) {
  const clientName = Object.keys(sdk).find((name) => /^[A-Z]\w+Client$/.test(name) && name !== "Client" && typeof sdk[name] === "function");
  if (!clientName) throw new Error("no client found");
  const commands = Object.keys(sdk)
    .filter((name) => /^(List|Describe|Get)\w*Command$/.test(name))
    .map((name) => sdk[name] as CommandClass);
  return { Client: sdk[clientName] as ClientClass, commands };
}

/** Serialization refused the empty input (a required path label or field): not about the network, try another command. */
const needsInput = (error: Error) => /^((No|Empty) value provided for input HTTP label|Expected a non-null value for)/.test(error.message);

describe.each([
  ["@aws-cdk/toolkit-lib", toolkitDir],
  ["cdk-assets", cdkAssetsDir],
])("the AWS SDK clients of %s (inside sst)", (_name, packageDir) => {
  const requireFromPackage = createRequire(join(packageDir, "package.json"));
  const { ConfiguredRetryStrategy } = requireFromPackage(requireFromPackage.resolve("@smithy/util-retry")) as {
    ConfiguredRetryStrategy: new (attempts: number, delayMs: number) => unknown;
  };

  it.each(sdkClientsOf(packageDir))("%s reaches the network with the toolkit's retry strategy", async (clientPackage) => {
    const { Client, commands } = clientAndCommands(requireFromPackage(clientPackage) as SdkModule);
    const closedPort = await freePort();
    const client = new Client({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${closedPort}`,
      credentials: { accessKeyId: "rehearsal", secretAccessKey: "rehearsal" },
      retryStrategy: new ConfiguredRetryStrategy(1, 10),
    });
    try {
      let error: (Error & { code?: string }) | undefined;
      for (const Command of commands) {
        error = await client.send(new Command({})).then(
          () => undefined,
          (thrown: unknown) => thrown as Error & { code?: string },
        );
        if (!error || !needsInput(error)) break;
      }
      expect(`${error?.name}: ${error?.message}`).not.toMatch(/^TypeError/);
      expect(error?.code ?? error?.message).toMatch(/ECONNREFUSED/);
    } finally {
      client.destroy();
    }
  });
});

describe("cdk bootstrap", () => {
  it("runs the project's own CDK CLI, so `npx cdk bootstrap` inside `sst deploy` never waits at npm's install prompt", () => {
    const version = execFileSync("npx", ["--no", "--", "cdk", "--version"], {
      encoding: "utf8",
      env: { ...process.env, npm_config_yes: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(version).toMatch(/^2\.\d+\.\d+/);
  });
});
