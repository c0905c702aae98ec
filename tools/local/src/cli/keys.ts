import { readFileSync } from "node:fs";
import { CommandRefused, UsageError, parseCommandLine, runCommand } from "@users-api/cli";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { APP_NAME, DEFAULT_REGION, Scope, bindings, sstParameterPath } from "@users-api/core";
import { findAwsCredentials, missingCredentialsMessage } from "@users-api/core/aws/credentials";
import { createApiKey, listApiKeys, revokeApiKey } from "@users-api/emulators/api-keys";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@users-api/emulators/stage";
import { localPaths, type RunningLocalApi } from "../local-paths.js";

const usage = `Manage users-api API keys (stored as SHA-256 hashes in the stage's Secrets Manager secret).

  pnpm keys create --stage <stage> --name <name> --scopes users:read[,users:write]
  pnpm keys list   --stage <stage>
  pnpm keys revoke --stage <stage> --name <name>

--stage local talks to the running \`pnpm local\`; any other stage uses the AWS credentials
and region of the environment (AWS_PROFILE, AWS_REGION, ...; default region ${DEFAULT_REGION}).`;

/**
 * A client for the stage's Secrets Manager and the ARN of its API-keys secret, found where
 * `sst deploy` put it: the API_KEYS_SECRET_ARN Config.Parameter in SSM. `local` means the
 * running `pnpm local` and its emulators; any other stage, AWS with the environment's credentials.
 */
async function secretsFor(stage: string) {
  let clientConfig: { region: string; endpoint?: string; credentials?: typeof LOCAL_CREDENTIALS } = {
    region: process.env.AWS_REGION ?? DEFAULT_REGION,
  };
  if (stage === "local") {
    let running: RunningLocalApi;
    const { root, runningFile } = localPaths();
    try {
      running = JSON.parse(readFileSync(runningFile, "utf8")) as RunningLocalApi;
    } catch {
      throw new UsageError(
        `No local API is running on the data directory ${root}: start it with \`pnpm local\`, or, if it runs on another ` +
          "directory, paste the command its banner prints (it sets USERS_API_LOCAL_DIR).",
      );
    }
    clientConfig = { region: LOCAL_REGION, endpoint: running.motoEndpoint, credentials: LOCAL_CREDENTIALS };
  } else if (!(await findAwsCredentials()).found) {
    throw new CommandRefused(missingCredentialsMessage(`pnpm keys --stage ${stage}`));
  }
  const ssm = new SSMClient(clientConfig);
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: sstParameterPath(APP_NAME, stage, bindings.apiKeysSecretArn) }));
    if (!Parameter?.Value) throw new Error("empty parameter");
    return { client: new SecretsManagerClient(clientConfig), secretId: Parameter.Value };
  } catch (error) {
    if (error instanceof Error && (error.name === "ParameterNotFound" || error.message === "empty parameter")) {
      throw new UsageError(`Stage "${stage}" has no API-keys secret: deploy it first (or start \`pnpm local\`).`);
    }
    throw error;
  } finally {
    ssm.destroy();
  }
}

function parseScopes(value: string | undefined): Scope[] {
  if (!value) throw new UsageError("--scopes is required, e.g. --scopes users:read,users:write");
  return value.split(",").map((scope) => {
    const parsed = Scope.safeParse(scope.trim());
    if (!parsed.success) throw new UsageError(`Unknown scope "${scope}"; scopes are ${Scope.options.join(", ")}.`);
    return parsed.data;
  });
}

/** A key list change the stage refused because of what was asked (a taken or unknown name): the operator's to fix. */
function asUsageError(error: unknown, stage: string, name: string): unknown {
  if (!(error instanceof Error)) return error;
  if (/^A key named ".*" already exists\.$/.test(error.message)) {
    return new UsageError(
      `A key named "${name}" already exists on stage ${stage}: choose another --name, or revoke it first with pnpm keys revoke --stage ${stage} --name ${name}.`,
    );
  }
  if (/^No key is named ".*"\.$/.test(error.message)) {
    return new UsageError(`No key is named "${name}" on stage ${stage}: pnpm keys list --stage ${stage} shows the names.`);
  }
  return error;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: { stage: { type: "string" }, name: { type: "string" }, scopes: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  if (!values.stage) throw new UsageError("--stage is required");
  const { client, secretId } = await secretsFor(values.stage);
  try {
    switch (command) {
      case "create": {
        if (!values.name) throw new UsageError("--name is required");
        const scopes = parseScopes(values.scopes);
        const { key, record } = await createApiKey(client, secretId, values.name, scopes).catch((error: unknown) => {
          throw asUsageError(error, values.stage as string, values.name as string);
        });
        console.log(`Created key "${record.name}" with scopes ${record.scopes.join(", ")} on stage ${values.stage}.`);
        console.log("Store it now: it is shown only this once.\n");
        console.log(key);
        return 0;
      }
      case "list": {
        const records = await listApiKeys(client, secretId);
        if (records.length === 0) console.log(`No keys on stage ${values.stage}.`);
        for (const record of records) console.log(`${record.name}\t${record.scopes.join(",")}\t${record.createdAt}`);
        return 0;
      }
      case "revoke": {
        if (!values.name) throw new UsageError("--name is required");
        const record = await revokeApiKey(client, secretId, values.name).catch((error: unknown) => {
          throw asUsageError(error, values.stage as string, values.name as string);
        });
        console.log(`Revoked key "${record.name}" on stage ${values.stage}; it stops working within a minute.`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } finally {
    client.destroy();
  }
}

runCommand(() => main(process.argv.slice(2)), usage);
