import { SST_FETCH_FROM_SSM, bindings, sstBindingVariable, sstParameterPath, type BindingName, type FunctionDefinition } from "./routes.js";

/**
 * The one definition of what a function may do on AWS and what it is told: from a function's
 * definition, the IAM statements of its role and the `SST_*` variables of its bindings. The Api
 * stack deploys these statements (with CDK references as resources) and the local IAM proxy
 * enforces the same ones (with local ARNs), so what runs locally is by construction what AWS allows.
 */

/** One `Allow` statement of an identity-based policy. */
export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The resources grants point at: ARNs, or CDK tokens in the stack. */
export interface GrantTargets {
  readonly app: string;
  readonly stage: string;
  readonly tableArn: string;
  readonly apiKeysSecretArn: string;
  /** The ARN of an SSM parameter from its path (`/sst/...`). */
  ssmParameterArn(path: string): string;
}

/** What a function's bindings are set to: the stack lets SST set them, the local runner sets these. */
export interface BindingValues {
  readonly tableName: string;
  readonly apiKeysSecretArn: string;
}

interface BindingDefinition {
  grants(definition: FunctionDefinition, targets: GrantTargets): PolicyStatement[];
  value(values: BindingValues): string;
}

const withActions = (statements: PolicyStatement[]) => statements.filter((statement) => statement.actions.length > 0);

/** Each binding once: the grants it carries and the value of its variable. */
const bindingDefinitions: { readonly [Name in BindingName]: BindingDefinition } = {
  usersTable: {
    grants: ({ tableAccess: { table = [], indexes = {} } }, targets) =>
      withActions([
        { actions: [...table], resources: [targets.tableArn] },
        ...Object.entries(indexes).map(([index, actions]) => ({ actions: [...(actions ?? [])], resources: [`${targets.tableArn}/index/${index}`] })),
      ]),
    value: (values) => values.tableName,
  },
  // SST's `Config.Secret` is read from the stage's own path, then from the app-wide `.fallback` one.
  cursorSecret: {
    grants: (_definition, targets) => [
      {
        actions: ["ssm:GetParameters"],
        resources: [targets.stage, ".fallback"].map((stage) => targets.ssmParameterArn(sstParameterPath(targets.app, stage, bindings.cursorSecret))),
      },
    ],
    value: () => SST_FETCH_FROM_SSM,
  },
  apiKeysSecretArn: {
    grants: (definition, targets) => withActions([{ actions: [...definition.apiKeysSecretAccess], resources: [targets.apiKeysSecretArn] }]),
    value: (values) => values.apiKeysSecretArn,
  },
};

/** The statements one binding of a function carries (the stack attaches them to that binding). */
export const grantsOfBinding = (definition: FunctionDefinition, name: BindingName, targets: GrantTargets): PolicyStatement[] =>
  bindingDefinitions[name].grants(definition, targets);

/**
 * The statements a function's role holds beyond its logs and X-Ray: its table and index actions,
 * its API-keys secret actions, and `ssm:GetParameters` on both paths of each bound `Config.Secret`.
 *
 * @example
 * grantsOf(routes.getUser, targets);
 * // [{ actions: ["dynamodb:GetItem"], resources: [targets.tableArn] }]
 */
export const grantsOf = (definition: FunctionDefinition, targets: GrantTargets): PolicyStatement[] =>
  definition.bind.flatMap((name) => grantsOfBinding(definition, name, targets));

/** The `SST_<construct>_<prop>_<id>` variables of a function's bindings, as SST sets them on AWS. */
export const bindingVariables = (definition: FunctionDefinition, values: BindingValues): Record<string, string> =>
  Object.fromEntries(definition.bind.map((name) => [sstBindingVariable(bindings[name]), bindingDefinitions[name].value(values)]));
