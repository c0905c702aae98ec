import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { routes } from "@users-api/core";
import { describe, expect, inject, it } from "vitest";
import { startLocalApi } from "../../src/gateway/index.js";
import { prepareLocalStage } from "@users-api/emulators/stage";

/**
 * No test or helper may give a function an AWS endpoint other than the IAM proxy: the local runner
 * builds every function's endpoints and credentials from the proxy alone (asserted on a running
 * function's environment in proxy-event.test.ts), refuses overrides of them, and no test source
 * spells them out. Faults go behind the proxy (`iamUpstreamsFor`), where the calls are still checked.
 */

const root = fileURLToPath(new URL("../../../../", import.meta.url));

/** What sends a function's AWS calls somewhere of the caller's choosing. */
const BYPASS = /AWS_ENDPOINT_URL|localAwsEnvironment\(/;

/** Sources that may name AWS endpoints, each with the reason it is not a function's traffic. */
const allowed: Readonly<Record<string, string>> = {
  "tools/local/src/iam/proxy.ts": "the IAM proxy points the functions' endpoints at itself",
  "packages/emulators/src/environment.ts": "defines the emulators' variables for tools that are not functions",
  "tools/local/test/iam/proxy.test.ts": "reads the endpoints the proxy hands out",
  "tools/local/test/gateway/proxy-event.test.ts": "asserts that a running function's endpoints are the IAM proxy's",
  "tools/local/test/cli/keys.test.ts": "runs the keys CLI, which is not a function",
  "tools/local/test/iam/no-bypass.test.ts": "this guard",
};
/** In-process handler integration tests: the handler code runs in the test's own process, against the emulators, and claims no IAM check. */
const inProcessIntegrationTests = "packages/functions/test/";

function sourcesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (name === "node_modules") return [];
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Files outside the allowed list whose text could send a function's AWS calls around the IAM proxy. */
function endpointBypasses(files: readonly { readonly path: string; readonly text: string }[]): string[] {
  return files
    .filter(({ path }) => !(path in allowed) && !path.startsWith(inProcessIntegrationTests))
    .filter(({ text }) => BYPASS.test(text))
    .map(({ path, text }) => `${path}: ${BYPASS.exec(text)?.[0]} sends a function's AWS calls around the IAM proxy`);
}

const testAndRunnerSources = () =>
  ["tools/local/src", "tools/local/test", "packages/functions/test", "test"]
    .flatMap((directory) => sourcesUnder(join(root, directory)))
    .map((path) => ({ path: relative(root, path), text: readFileSync(path, "utf8") }));

describe("no function's AWS traffic goes around the IAM proxy", () => {
  it("no test, helper or runner source gives a function an AWS endpoint of its own", () => {
    const sources = testAndRunnerSources();

    expect(sources.length).toBeGreaterThan(50);
    expect(endpointBypasses(sources)).toEqual([]);
  });

  it("the check names a test that points a function at DynamoDB Local directly", () => {
    const bypass = { path: "test/e2e/sneaky.test.ts", text: `startLocalApi({ environmentOverridesFor: () => ({ AWS_ENDPOINT_URL_DYNAMODB: endpoint }) })` };

    expect(endpointBypasses([...testAndRunnerSources(), bypass])).toEqual([
      "test/e2e/sneaky.test.ts: AWS_ENDPOINT_URL sends a function's AWS calls around the IAM proxy",
    ]);
  });

  it("the local API refuses a function environment that names an AWS endpoint or credential, naming the function and the variable", async () => {
    const stage = await prepareLocalStage({
      endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
      stage: `no-bypass-${Date.now()}`,
      cursorSecret: "unused-cursor-secret-of-32-bytes!",
    });

    const started = startLocalApi({
      stage,
      buildDir: join(root, ".local", "never-built"),
      environmentOverridesFor: (functionId): Record<string, string> =>
        functionId === routes.getUser.id ? { AWS_ENDPOINT_URL_DYNAMODB: stage.endpoints.dynamoDb } : {},
    });

    await expect(started).rejects.toThrow(/^GetUser: AWS_ENDPOINT_URL_DYNAMODB would send its AWS calls around the IAM proxy/);
  });
});
