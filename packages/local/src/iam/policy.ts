import { bindings, type FunctionDefinition } from "@users-api/core";
import type { LocalStage } from "../stage.js";
import { dynamoDbIndexArn, dynamoDbTableArn, LOCAL_ACCOUNT_ID, ssmParameterArn, sstSecretParameterPaths, type ArnScope } from "./arns.js";

/** One `Allow` statement of an identity-based policy. */
export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The resources a function's grants point at, as ARNs (or CDK tokens). */
export interface GrantTargets {
  readonly scope: ArnScope;
  readonly app: string;
  readonly stage: string;
  readonly tableArn: string;
  readonly apiKeysSecretArn: string;
}

/**
 * The statements a function's role holds, from its definition alone: what the
 * Api stack binds (table and index actions, the API-keys secret actions, and
 * `ssm:GetParameters` on both paths of each bound `Config.Secret`).
 *
 * @example
 * grantsOf(routes.getUser, localGrantTargets(stage));
 * // [{ actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/t-users-api-Users"] }]
 */
export function grantsOf(definition: FunctionDefinition, targets: GrantTargets): PolicyStatement[] {
  return definition.bind.flatMap((name): PolicyStatement[] => {
    switch (name) {
      case "usersTable": {
        const { table = [], indexes = {} } = definition.tableAccess;
        return [
          { actions: [...table], resources: [targets.tableArn] },
          ...Object.entries(indexes).map(([index, actions]) => ({
            actions: [...(actions ?? [])],
            resources: [dynamoDbIndexArn(targets.tableArn, index)],
          })),
        ].filter((statement) => statement.actions.length > 0);
      }
      case "apiKeysSecretArn":
        return definition.apiKeysSecretAccess.length > 0
          ? [{ actions: [...definition.apiKeysSecretAccess], resources: [targets.apiKeysSecretArn] }]
          : [];
      case "cursorSecret":
        return [
          {
            actions: ["ssm:GetParameters"],
            resources: sstSecretParameterPaths(targets.app, targets.stage, bindings.cursorSecret.id).map((path) =>
              ssmParameterArn(targets.scope, path),
            ),
          },
        ];
    }
  });
}

/** Grant targets of a local stage, in moto's account. */
export function localGrantTargets(stage: LocalStage): GrantTargets {
  const scope = { region: stage.region, account: LOCAL_ACCOUNT_ID };
  return {
    scope,
    app: stage.app,
    stage: stage.stage,
    tableArn: dynamoDbTableArn(scope, stage.tableName),
    apiKeysSecretArn: stage.apiKeysSecretArn,
  };
}

/** IAM wildcards: `*` is any run of characters (slashes included), `?` is one; actions ignore case. */
function wildcardPattern(pattern: string, flags: string) {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, flags);
}

/** Whether some statement allows the action on the resource (no statement means an implicit deny). */
export function isAllowed(statements: readonly PolicyStatement[], action: string, resource: string): boolean {
  return statements.some(
    (statement) =>
      statement.actions.some((pattern) => wildcardPattern(pattern, "i").test(action)) &&
      statement.resources.some((pattern) => wildcardPattern(pattern, "").test(resource)),
  );
}
