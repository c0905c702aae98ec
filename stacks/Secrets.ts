import { apiKeysSecretName } from "../packages/core/src/apikey/apikey.js";
import { bindings } from "../packages/core/src/api/routes.js";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Config, type StackContext } from "sst/constructs";

/** Secrets, grouped by purpose. No value is ever in a template: keys are added with `pnpm keys`. */
export function Secrets({ stack, app }: StackContext) {
  /** API-key records (hashes only), read by the authorizer and managed by `pnpm keys`. */
  const apiKeys = new secretsmanager.Secret(stack, "ApiKeys", {
    secretName: apiKeysSecretName(app.name, app.stage),
    description: "users-api API keys: SHA-256 hashes, names and scopes",
    secretObjectValue: {},
  });
  const apiKeysSecretArn = new Config.Parameter(stack, bindings.apiKeysSecretArn.id, { value: apiKeys.secretArn });

  /** Signs list cursors; set with `sst secrets set CURSOR_SECRET <value>`. */
  const cursorSecret = new Config.Secret(stack, bindings.cursorSecret.id);

  return { apiKeys, apiKeysSecretArn, cursorSecret };
}
