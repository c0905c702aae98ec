import { usersTable } from "../user/table.js";

/**
 * What a function is bound to, by SST construct: the stacks bind the real
 * construct, the local runner sets the `SST_<construct>_<prop>_<id>` variables.
 */
export const bindings = {
  usersTable: { construct: "Table", id: usersTable.id, prop: "tableName" },
  cursorSecret: { construct: "Secret", id: "CURSOR_SECRET", prop: "value" },
  apiKeysSecretArn: { construct: "Parameter", id: "API_KEYS_SECRET_ARN", prop: "value" },
} as const;
export type BindingName = keyof typeof bindings;

/** The variable SST sets on a bound function: `SST_<construct>_<prop>_<id>` (`-` in ids becomes `_`). */
export const sstBindingVariable = (binding: { readonly construct: string; readonly id: string; readonly prop: string }) =>
  `SST_${binding.construct}_${binding.prop}_${binding.id.replace(/-/g, "_")}`;

/** What SST puts in a `Config.Secret` variable: the function fetches the value from SSM at run time. */
export const SST_FETCH_FROM_SSM = "__FETCH_FROM_SSM__";
