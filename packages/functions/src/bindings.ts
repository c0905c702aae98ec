import type { ParameterResources } from "sst/node/config";
import type { TableResources } from "sst/node/table";

/**
 * SST's bindings, with the typings `sst types` writes for `sst/node/*`, read from the
 * `SST_<construct>_<prop>_<id>` variables SST sets on each function.
 *
 * `sst/node/*` builds an SSM client (and awaits it) in every function that imports any of them, even
 * where no value is in SSM: about a third of a cold start. Only a `Config.Secret`'s variable holds
 * SST's `__FETCH_FROM_SSM__` placeholder; tables and parameters hold their values as they are. So
 * tables and parameters are read straight from the environment, and a secret is fetched from SSM on
 * first use (secrets.ts), so that only functions bound to a secret carry an SSM client.
 */

export const FETCH_FROM_SSM = "__FETCH_FROM_SSM__";

/** The variable SST sets for one property of one bound construct (`-` in ids becomes `_`). */
export const bindingVariable = (construct: string, id: string, prop: string) => `SST_${construct}_${prop}_${id.replace(/-/g, "_")}`;

function boundValue(construct: string, id: string, prop: string): string {
  const value = process.env[bindingVariable(construct, id, prop)];
  if (value === undefined) throw new Error(`Cannot use ${construct}.${id}. Please make sure it is bound to this function.`);
  if (value === FETCH_FROM_SSM) throw new Error(`${construct}.${id} is kept in SSM: read it with readSecret.`);
  return value;
}

/** `Table.Users.tableName`, as `sst/node/table` has it. */
export const Table = new Proxy({} as Record<string, Record<string, string>>, {
  get: (_, id) =>
    typeof id === "string" ? new Proxy({}, { get: (__, prop) => (typeof prop === "string" ? boundValue("Table", id, prop) : undefined) }) : undefined,
}) as unknown as TableResources;

/** `Parameter.API_KEYS_SECRET_ARN`: a `Config.Parameter`'s value, which SST passes in the environment. */
export const Parameter = new Proxy({} as Record<string, string>, {
  get: (_, id) => (typeof id === "string" ? boundValue("Parameter", id, "value") : undefined),
}) as unknown as { readonly [Id in keyof ParameterResources]: string };
