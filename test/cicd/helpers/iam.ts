import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { repoRoot } from "./github-files.js";

/**
 * Just enough CloudFormation and IAM to ask "may this role do X to Y?" of the deploy-role template:
 * intrinsic functions resolved against given parameters, and IAM's wildcard and condition matching.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));

const templateSchema = z.looseObject({
  Parameters: z.record(z.string(), z.looseObject({ Type: z.string(), Default: z.string().optional() })),
  Conditions: z.record(z.string(), json).optional(),
  Resources: z.record(z.string(), z.looseObject({ Type: z.string(), Condition: z.string().optional(), Properties: json })),
  Outputs: z.record(z.string(), json).optional(),
});
export type Template = z.infer<typeof templateSchema>;

export const templatePath = "infra/github-deploy-role.yaml";

export async function loadTemplate(): Promise<{ source: string; template: Template }> {
  const source = await readFile(path.join(repoRoot, templatePath), "utf8");
  return { source, template: templateSchema.parse(parse(source)) };
}

export const account = "123456789012";
export const region = "us-east-1";

export interface Deployment {
  readonly parameters: Readonly<Record<string, string>>;
  readonly conditions: Readonly<Record<string, boolean>>;
}

/** Parameter values (defaults unless given) and the conditions they make true. */
export function deploy(template: Template, given: Readonly<Record<string, string>>): Deployment {
  const parameters: Record<string, string> = {};
  for (const [name, { Default }] of Object.entries(template.Parameters)) {
    const value = given[name] ?? Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    parameters[name] = value;
  }
  const partial: Deployment = { parameters, conditions: {} };
  const conditions = Object.fromEntries(Object.entries(template.Conditions ?? {}).map(([name, expression]) => [name, resolve(expression, partial) === true]));
  return { parameters, conditions };
}

const pseudoParameters: Record<string, string> = {
  "AWS::AccountId": account,
  "AWS::Region": region,
  "AWS::Partition": "aws",
};

/** What `Ref` and `Fn::GetAtt` of a resource give: an ARN-like name that says which resource it is. */
const resourceArn = (logicalId: string) => `arn:aws:iam::${account}:resource/${logicalId}`;

function lookup(name: string, deployment: Deployment): string {
  const value = pseudoParameters[name] ?? deployment.parameters[name];
  return value ?? resourceArn(name);
}

const isRecord = (value: Json): value is { [key: string]: Json } => typeof value === "object" && value !== null && !Array.isArray(value);

/** Resolves `Ref`, `Fn::Sub`, `Fn::If`, `Fn::Equals` and `Fn::GetAtt` throughout a value. */
export function resolve(value: Json, deployment: Deployment): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(item, deployment));
  if (!isRecord(value)) return value;
  const [key, argument] = Object.entries(value)[0] ?? [];
  if (Object.keys(value).length === 1 && key !== undefined && argument !== undefined) {
    switch (key) {
      case "Ref":
        return lookup(z.string().parse(argument), deployment);
      case "Fn::Sub": {
        const [text, variables] = typeof argument === "string" ? [argument, {}] : z.tuple([z.string(), json]).parse(argument);
        const local = isRecord(variables) ? variables : {};
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          const variable = local[name];
          return variable === undefined ? lookup(name, deployment) : String(resolve(variable, deployment));
        });
      }
      case "Fn::If": {
        const [condition, whenTrue, whenFalse] = z.tuple([z.string(), json, json]).parse(argument);
        return resolve(deployment.conditions[condition] ? whenTrue : whenFalse, deployment);
      }
      case "Fn::Equals": {
        const [left, right] = z
          .tuple([json, json])
          .parse(argument)
          .map((side) => resolve(side, deployment));
        return JSON.stringify(left) === JSON.stringify(right);
      }
      case "Fn::GetAtt":
        return resourceArn(z.tuple([z.string(), z.string()]).parse(argument)[0]);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, resolve(item, deployment)]));
}

const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((value) => [value].flat());

export const statementSchema = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(["Allow", "Deny"]),
  Action: oneOrMany,
  Resource: oneOrMany.optional(),
  Principal: z.looseObject({ Federated: oneOrMany.optional() }).optional(),
  Condition: z.record(z.string(), z.record(z.string(), oneOrMany)).optional(),
});
export type Statement = z.infer<typeof statementSchema>;

const policyDocumentSchema = z.looseObject({ Version: z.literal("2012-10-17"), Statement: z.array(statementSchema) });

const roleSchema = z.looseObject({
  AssumeRolePolicyDocument: policyDocumentSchema,
  ManagedPolicyArns: z.array(z.string()).optional(),
  Policies: z.array(z.looseObject({ PolicyName: z.string(), PolicyDocument: policyDocumentSchema })).optional(),
});

export interface Role {
  readonly trust: Statement[];
  /** Statements of its inline policies and of the template's managed policies it attaches. */
  readonly permissions: Statement[];
  /** Attached managed policies the template does not define, by ARN (e.g. AWS managed ones). */
  readonly foreignPolicyArns: string[];
}

export function roleOf(template: Template, deployment: Deployment, logicalId: string): Role {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== "AWS::IAM::Role") throw new Error(`${logicalId} is not an AWS::IAM::Role`);
  const role = roleSchema.parse(resolve(resource.Properties, deployment));
  const managed = (role.ManagedPolicyArns ?? []).map((arn) => {
    const local = Object.keys(template.Resources).find((id) => resourceArn(id) === arn);
    const policy = local === undefined ? undefined : template.Resources[local];
    return { arn, policy: policy?.Type === "AWS::IAM::ManagedPolicy" ? policy : undefined };
  });
  const managedStatements = managed.flatMap(({ policy }) =>
    policy === undefined ? [] : z.looseObject({ PolicyDocument: policyDocumentSchema }).parse(resolve(policy.Properties, deployment)).PolicyDocument.Statement,
  );
  return {
    trust: role.AssumeRolePolicyDocument.Statement,
    permissions: [...(role.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement), ...managedStatements],
    foreignPolicyArns: managed.filter(({ policy }) => policy === undefined).map(({ arn }) => arn),
  };
}

/** IAM's wildcards: `*` is any run of characters (`/` included), `?` any one character. */
export function wildcardMatches(pattern: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
  const source = pattern
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, options.ignoreCase ? "i" : "").test(value);
}

export interface Request {
  readonly action: string;
  readonly resource?: string;
  /** Condition context keys, e.g. `token.actions.githubusercontent.com:sub`. */
  readonly context?: Readonly<Record<string, string>>;
  readonly federatedPrincipal?: string;
}

function conditionsHold(condition: Statement["Condition"], context: Readonly<Record<string, string>>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = context[key];
      if (actual === undefined) return false;
      switch (operator) {
        case "StringEquals":
          return expected.includes(actual);
        case "StringLike":
          return expected.some((pattern) => wildcardMatches(pattern, actual));
        default:
          throw new Error(`condition operator ${operator} is not modelled by this test helper`);
      }
    }),
  );
}

function applies(statement: Statement, request: Request): boolean {
  const actionMatches = statement.Action.some((pattern) => wildcardMatches(pattern, request.action, { ignoreCase: true }));
  const resourceMatches =
    statement.Resource === undefined ||
    (request.resource !== undefined && statement.Resource.some((pattern) => wildcardMatches(pattern, request.resource ?? "")));
  const principalMatches =
    statement.Principal === undefined ||
    (request.federatedPrincipal !== undefined && (statement.Principal.Federated ?? []).includes(request.federatedPrincipal));
  return actionMatches && resourceMatches && principalMatches && conditionsHold(statement.Condition, request.context ?? {});
}

/** IAM's verdict: an applicable Deny wins, otherwise an applicable Allow allows, otherwise denied. */
export function isAllowed(statements: readonly Statement[], request: Request): boolean {
  const matching = statements.filter((statement) => applies(statement, request));
  return matching.some(({ Effect }) => Effect === "Allow") && !matching.some(({ Effect }) => Effect === "Deny");
}
