import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { SST_FETCH_FROM_SSM, bindings, sstBindingVariable, sstParameterPath, type BindingName } from "@users-api/core";
import { awsClientConfig } from "./aws-client-config.js";

/*
 * Bound values are read from the variables SST sets, not through `sst/node/*`: importing any of those
 * fetches every Config.Secret from SSM during init, with an SSM client that has no timeouts, so a hung SSM
 * would hang the init and the function would answer 502 after its timeout.
 */

const variableOf = (name: BindingName) => sstBindingVariable(bindings[name]);

/** A binding's plain value (a table name, a Config.Parameter), as SST set it on this function. */
export function boundValue(name: BindingName): string {
  const value = process.env[variableOf(name)];
  if (value === undefined || value === "" || value === SST_FETCH_FROM_SSM) throw new Error(`${variableOf(name)} is not set: is ${name} bound to this function?`);
  return value;
}

let ssm: SSMProvider | undefined;
const secrets = new Map<BindingName, Promise<string>>();

async function fetchSecret(name: BindingName): Promise<string> {
  const app = process.env.SST_APP ?? "";
  const stage = process.env.SST_STAGE ?? "";
  ssm ??= new SSMProvider({ clientConfig: awsClientConfig });
  // Where `sst secrets set` puts it for the stage, else for every stage of the app (`--fallback`).
  for (const path of [sstParameterPath(app, stage, bindings[name]), sstParameterPath(app, ".fallback", bindings[name])]) {
    const found = await ssm.getParametersByName<string>({ [path]: {} }, { decrypt: true, throwOnError: false });
    const value = found[path];
    if (typeof value === "string") return value;
  }
  throw new Error(`The ${bindings[name].id} secret is not set for stage ${stage}: sst secrets set ${bindings[name].id} <value> --stage ${stage}`);
}

/**
 * A Config.Secret's value, fetched from SSM on first use with the functions' timeouts and kept for the
 * life of the execution environment (as SST does); a failed fetch is tried again on the next call.
 */
export function boundSecret(name: BindingName): Promise<string> {
  const value = process.env[variableOf(name)];
  if (value === undefined) return Promise.reject(new Error(`${variableOf(name)} is not set: is ${name} bound to this function?`));
  if (value !== SST_FETCH_FROM_SSM) return Promise.resolve(value);
  let secret = secrets.get(name);
  if (!secret) {
    secret = fetchSecret(name);
    secrets.set(name, secret);
    secret.catch(() => secrets.delete(name));
  }
  return secret;
}
