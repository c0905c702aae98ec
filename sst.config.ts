import type { SSTConfig } from "sst";
import { Api } from "./stacks/Api.js";
import { Database } from "./stacks/Database.js";
import { Secrets } from "./stacks/Secrets.js";

export default {
  config() {
    return { name: "users-api", region: "us-east-1" };
  },
  stacks(app) {
    app.stack(Database).stack(Secrets).stack(Api);
  },
} satisfies SSTConfig;
