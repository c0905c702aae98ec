/**
 * Where SST keeps a binding's value in SSM for a stage (`sst deploy` writes
 * Config.Parameter values there, `sst secrets set` Config.Secret values).
 */
export const sstParameterPath = (app: string, stage: string, binding: { readonly construct: string; readonly id: string; readonly prop: string }) =>
  `/sst/${app}/${stage}/${binding.construct}/${binding.id}/${binding.prop}`;
