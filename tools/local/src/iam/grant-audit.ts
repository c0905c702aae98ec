import type { FunctionDefinition } from "@users-api/core";
import { grantsOf, type GrantTargets } from "./policy.js";
import type { IamCall } from "./proxy.js";

export interface GrantAuditOptions {
  /**
   * Granted resources a run need not use. @default the `.fallback` SSM path SST's `Config.Secret`
   * binding adds, read only by a stage that has no value of its own
   */
  readonly mayGoUnused?: (resource: string) => boolean;
}

const isSstFallbackPath = (resource: string) => resource.includes("/.fallback/");

/**
 * Least privilege, both ways, from what an IAM proxy saw: every call a function made was granted
 * (no denial), and every action each function is granted was used on every resource it is granted
 * on (no spare grant). Gives one line per problem, naming the function, the action and the
 * resource; no line means the grants are exactly what the functions did.
 *
 * @example
 * auditGrants([routes.getUser], localGrantTargets(stage), iam.usage(), iam.denials());
 * // ["GetUser is granted dynamodb:GetItem on arn:aws:dynamodb:…:table/… but never used it"]
 */
export function auditGrants(
  definitions: readonly FunctionDefinition[],
  targets: GrantTargets,
  usage: readonly IamCall[],
  denials: readonly IamCall[],
  options: GrantAuditOptions = {},
): string[] {
  const mayGoUnused = options.mayGoUnused ?? isSstFallbackPath;
  const audited = new Set(definitions.map(({ id }) => id));
  const denied = [
    ...new Set(denials.filter((call) => audited.has(call.functionId)).map((call) => `${call.functionId} was denied ${call.action} on ${call.resource}`)),
  ];
  // IAM compares actions without regard to case.
  const used = new Set(usage.map((call) => `${call.functionId} ${call.action} ${call.resource}`.toLowerCase()));
  const unused = definitions.flatMap((definition) =>
    grantsOf(definition, targets).flatMap((statement) =>
      statement.actions.flatMap((action) =>
        statement.resources
          .filter((resource) => !mayGoUnused(resource) && !used.has(`${definition.id} ${action} ${resource}`.toLowerCase()))
          .map((resource) => `${definition.id} is granted ${action} on ${resource} but never used it`),
      ),
    ),
  );
  return [...denied, ...unused];
}
