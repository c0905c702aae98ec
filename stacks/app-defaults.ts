import { Stack, type App } from "sst/constructs";
import { functionDefaults, functionEnvironment } from "../packages/core/src/api/routes.js";
import { functionBundling } from "../packages/functions/src/function-bundling.js";
import { stageSettings } from "./stage-settings.js";

/** What every function of the app gets, from the one function definition and the stage's settings. */
export function applyFunctionDefaults(app: App) {
  const { logLevel, api } = stageSettings(app.stage);
  app.setDefaultFunctionProps({
    runtime: functionDefaults.runtime,
    architecture: functionDefaults.architecture,
    memorySize: functionDefaults.memorySize,
    timeout: functionDefaults.timeoutSeconds,
    tracing: "active",
    // The AWS SDK v3 is bundled (SST externalizes only `sharp` and `pg-native` for ESM; the runtime's copy
    // made init slower). With `sourcemap: true` SST keeps each source map beside its bundle rather than
    // uploading it for the SST Console; see function-bundling.ts for the rest.
    nodejs: functionBundling,
    environment: functionEnvironment({ logLevel, corsAllowOrigin: api.corsAllowOrigin }),
  });
}

/**
 * SST puts a custom-resource Lambda in every stack for features this app does not use (secret
 * prefetch, source-map upload, sites, Auth); left in, each would be an idle function with a
 * managed-policy role. Nothing references it here: source maps stay beside the bundles (see above), and
 * `sst dev` uploads none.
 */
export function removeUnusedSstHandlers(app: App) {
  for (const stack of app.node.children) {
    if (stack instanceof Stack) stack.node.tryRemoveChild("CustomResourceHandler");
  }
}
