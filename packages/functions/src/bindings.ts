import { SST_FETCH_FROM_SSM, bindings, sstBindingVariable, type BindingName } from "@users-api/core";

/*
 * Bound values are read from the variables SST sets, not through `sst/node/*`: importing any of those
 * builds an SSM client and fetches every Config.Secret during init (without timeouts), even in functions
 * that read no secret; about a third of a cold start. Only a Config.Secret's variable holds SST's
 * placeholder; tables and parameters hold their values as they are. Secrets: see secrets.ts.
 */

const variableOf = (name: BindingName) => sstBindingVariable(bindings[name]);

/** A binding's plain value (a table name, a Config.Parameter), as SST set it on this function. */
export function boundValue(name: BindingName): string {
  const value = process.env[variableOf(name)];
  if (value === undefined || value === "" || value === SST_FETCH_FROM_SSM)
    throw new Error(`${variableOf(name)} is not set: is ${name} bound to this function?`);
  return value;
}
