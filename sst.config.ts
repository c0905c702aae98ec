import type { SSTConfig } from "sst";
import { APP_NAME, DEFAULT_REGION } from "./packages/core/src/app.js";
import { Alerts } from "./stacks/Alerts.js";
import { Api } from "./stacks/Api.js";
import { applyFunctionDefaults, removeUnusedSstHandlers } from "./stacks/app-defaults.js";
import { Database } from "./stacks/Database.js";
import { Monitoring } from "./stacks/Monitoring.js";
import { Secrets } from "./stacks/Secrets.js";

export default {
  config() {
    return { name: APP_NAME, region: DEFAULT_REGION };
  },
  stacks(app) {
    applyFunctionDefaults(app);
    app.stack(Database).stack(Secrets).stack(Alerts).stack(Api).stack(Monitoring);
    removeUnusedSstHandlers(app);
  },
} satisfies SSTConfig;
