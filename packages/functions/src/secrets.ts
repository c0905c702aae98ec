import type { SecretResources } from "sst/node/config";
import { FETCH_FROM_SSM, bindingVariable } from "./bindings.js";

export type SecretName = keyof SecretResources & string;

const secrets = new Map<string, Promise<string>>();

/**
 * A `Config.Secret`'s value, fetched from SSM on first use and kept for the container's life, as
 * `sst/node/config` keeps it (a failed fetch is not kept: the next call tries again).
 *
 * @example
 * const key = await readSecret("CURSOR_SECRET");
 */
export function readSecret(id: SecretName): Promise<string> {
  const value = process.env[bindingVariable("Secret", id, "value")];
  if (value === undefined) return Promise.reject(new Error(`Cannot use Config.${id}. Please make sure it is bound to this function.`));
  if (value !== FETCH_FROM_SSM) return Promise.resolve(value);
  let fetched = secrets.get(id);
  if (!fetched) {
    fetched = import("./sst-secrets.js").then(({ fetchSecret }) => fetchSecret(id));
    fetched.catch(() => secrets.delete(id));
    secrets.set(id, fetched);
  }
  return fetched;
}
