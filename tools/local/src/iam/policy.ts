import type { GrantTargets, PolicyStatement } from "@users-api/core";
import type { LocalStage } from "@users-api/emulators/stage";
import { dynamoDbTableArn, LOCAL_ACCOUNT_ID, ssmParameterArn } from "./arns.js";

/** A function's grants are defined once, in the product (`packages/core/src/api/grants.ts`); the proxy enforces them. */
export { grantsOf, type GrantTargets, type PolicyStatement } from "@users-api/core";

/**
 * Grant targets of a local stage, in moto's account.
 *
 * @example
 * grantsOf(routes.getUser, localGrantTargets(stage));
 * // [{ actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/t-users-api-Users"] }]
 */
export function localGrantTargets(stage: LocalStage): GrantTargets {
  const scope = { region: stage.region, account: LOCAL_ACCOUNT_ID };
  return {
    app: stage.app,
    stage: stage.stage,
    tableArn: dynamoDbTableArn(scope, stage.tableName),
    apiKeysSecretArn: stage.apiKeysSecretArn,
    ssmParameterArn: (path) => ssmParameterArn(scope, path),
  };
}

/** IAM wildcards: `*` is any run of characters (slashes included), `?` is one; actions ignore case. */
function wildcardPattern(pattern: string, flags: string) {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
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
