import type { SSTConfig } from "sst";
import { Stack } from "sst/constructs";
import { functionDefaults, functionEnvironment } from "./packages/core/src/api/routes.js";
import { APP_NAME, DEFAULT_REGION } from "./packages/core/src/app.js";
import { Alerts } from "./stacks/Alerts.js";
import { Api } from "./stacks/Api.js";
import { Database } from "./stacks/Database.js";
import { Monitoring } from "./stacks/Monitoring.js";
import { Secrets } from "./stacks/Secrets.js";
import { stageSettings } from "./stacks/stage-settings.js";

export default {
  config() {
    return { name: APP_NAME, region: DEFAULT_REGION };
  },
  stacks(app) {
    const { logLevel, api } = stageSettings(app.stage);
    app.setDefaultFunctionProps({
      runtime: functionDefaults.runtime,
      architecture: functionDefaults.architecture,
      memorySize: functionDefaults.memorySize,
      timeout: functionDefaults.timeoutSeconds,
      tracing: "active",
      // The AWS SDK v3 is bundled (SST externalizes only `sharp` and `pg-native` for ESM), minified, with its source map.
      nodejs: { format: "esm", minify: true, sourcemap: true },
      environment: functionEnvironment({ logLevel, corsAllowOrigin: api.corsAllowOrigin }),
    });
    app.stack(Database).stack(Secrets).stack(Alerts).stack(Api).stack(Monitoring);
    // SST puts a custom-resource Lambda in every stack for features this app does not use (secret
    // prefetch, sourcemap upload, sites); left in, each would be an idle function with a managed-policy role.
    for (const stack of app.node.children) {
      if (stack instanceof Stack) stack.node.tryRemoveChild("CustomResourceHandler");
    }
  },
} satisfies SSTConfig;
