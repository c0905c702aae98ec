import { SST_FETCH_FROM_SSM, bindings, sstBindingVariable, type BindingName } from "@users-api/core";

const secrets = new Map<BindingName, Promise<string>>();

/**
 * A Config.Secret's value, fetched from SSM on first use with the functions' timeouts and kept for the
 * life of the execution environment (as SST does); a failed fetch is tried again on the next call.
 *
 * The SSM client comes from a chunk of its own (sst-secrets.ts), imported on that first use: only
 * functions that read a secret carry it, and none loads it during init.
 *
 * @example
 * const key = await boundSecret("cursorSecret");
 */
export function boundSecret(name: BindingName): Promise<string> {
  const variable = sstBindingVariable(bindings[name]);
  const value = process.env[variable];
  if (value === undefined) return Promise.reject(new Error(`${variable} is not set: is ${name} bound to this function?`));
  if (value !== SST_FETCH_FROM_SSM) return Promise.resolve(value);
  let secret = secrets.get(name);
  if (!secret) {
    secret = import("./sst-secrets.js").then(({ fetchSecret }) => fetchSecret(name));
    secrets.set(name, secret);
    secret.catch(() => secrets.delete(name));
  }
  return secret;
}
