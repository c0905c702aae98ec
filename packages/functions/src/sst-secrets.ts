import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { SSMClient } from "@aws-sdk/client-ssm";
import { bindings, sstParameterPath, type BindingName } from "@users-api/core";
import { awsClientConfig } from "./aws-client-config.js";
import { traceAwsClient } from "./tracing.js";

/** Imported on the first read of a secret only (see secrets.ts). */
const ssm = new SSMProvider({ awsSdkV3Client: traceAwsClient(new SSMClient(awsClientConfig)) });

/** A Config.Secret where `sst secrets set` puts it for the stage, else for every stage of the app (`--fallback`). */
export async function fetchSecret(name: BindingName): Promise<string> {
  const app = process.env.SST_APP ?? "";
  const stage = process.env.SST_STAGE ?? "";
  for (const path of [sstParameterPath(app, stage, bindings[name]), sstParameterPath(app, ".fallback", bindings[name])]) {
    const found = await ssm.getParametersByName<string>({ [path]: {} }, { decrypt: true, throwOnError: false });
    const value = found[path];
    if (typeof value === "string") return value;
  }
  throw new Error(`The ${bindings[name].id} secret is not set for stage ${stage}: sst secrets set ${bindings[name].id} <value> --stage ${stage}`);
}
