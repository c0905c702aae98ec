import { emptyApiKeyStore } from "../packages/core/src/apikey/apikey.js";
import { bindings } from "../packages/core/src/api/routes.js";
import { SecretValue } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { NagSuppressions } from "cdk-nag";
import { Config, type StackContext } from "sst/constructs";
import { stageSettings } from "./stage-settings.js";

/**
 * Secrets, grouped by purpose. No secret value is ever in a template or an
 * environment variable: keys are added with `pnpm keys`, the cursor key with
 * `sst secrets set CURSOR_SECRET`, and functions read both at run time.
 */
export function Secrets({ stack, app }: StackContext) {
  const { removalPolicy } = stageSettings(app.stage);

  /** API-key records (hashes only), read by the authorizer and managed by `pnpm keys`. */
  const apiKeys = new secretsmanager.Secret(stack, "ApiKeys", {
    // No fixed name: a removed preview stage's secret waits out its recovery window, and a fixed name would
    // block redeploying that stage. `pnpm keys` finds the secret through the API_KEYS_SECRET_ARN parameter.
    description: `${app.name} ${app.stage} API keys: SHA-256 hashes, names and scopes`,
    // Starts as the empty key list, which holds nothing secret; CloudFormation never rewrites it afterwards.
    secretStringValue: SecretValue.unsafePlainText(JSON.stringify(emptyApiKeyStore)),
    removalPolicy,
  });
  NagSuppressions.addResourceSuppressions(apiKeys, [
    {
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds key hashes, not a credential a rotation Lambda could renew; keys rotate by issuing a new key and revoking the old one with `pnpm keys`.",
    },
  ]);
  const apiKeysSecretArn = new Config.Parameter(stack, bindings.apiKeysSecretArn.id, { value: apiKeys.secretArn });

  /** Signs list cursors; set with `sst secrets set CURSOR_SECRET <value>`. */
  const cursorSecret = new Config.Secret(stack, bindings.cursorSecret.id);

  stack.addOutputs({ ApiKeysSecretArn: apiKeys.secretArn });
  return { apiKeys, apiKeysSecretArn, cursorSecret };
}
