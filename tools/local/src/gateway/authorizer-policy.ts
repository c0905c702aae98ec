import { z } from "zod";

const oneOrMany = z.union([z.string(), z.array(z.string()).min(1)]);

const Statement = z.object({
  Effect: z.enum(["Allow", "Deny"]),
  Action: oneOrMany,
  Resource: oneOrMany,
});

/** What a Lambda REQUEST authorizer must return; anything else is an authorizer failure (500). */
export const AuthorizerResult = z.object({
  principalId: z.string().min(1),
  policyDocument: z.object({
    Version: z.string().optional(),
    Statement: z.array(Statement).min(1),
  }),
  context: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullish(),
  usageIdentifierKey: z.string().nullish(),
});
export type AuthorizerResult = z.infer<typeof AuthorizerResult>;
export type PolicyDocument = AuthorizerResult["policyDocument"];

/** IAM wildcards: `*` any run of characters, `?` exactly one. */
function wildcardMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

const values = (value: string | readonly string[]) => (typeof value === "string" ? [value] : value);

/**
 * Evaluates an authorizer's policy for `execute-api:Invoke` on a method ARN
 * as IAM does: an explicit Deny wins, otherwise an Allow is needed.
 * Actions compare case-insensitively, resources case-sensitively.
 */
export function policyAllowsInvoke(policy: PolicyDocument, methodArn: string): boolean {
  const applicable = policy.Statement.filter(
    (statement) =>
      values(statement.Action).some((action) => wildcardMatches(action, "execute-api:Invoke", true)) &&
      values(statement.Resource).some((resource) => wildcardMatches(resource, methodArn, false)),
  );
  if (applicable.some((statement) => statement.Effect === "Deny")) return false;
  return applicable.some((statement) => statement.Effect === "Allow");
}
