import { z } from "zod";
import { dynamoDbIndexArn, dynamoDbTableArn, secretsManagerSecretArn, ssmParameterArn, type ArnScope } from "./arns.js";

export type AwsService = "dynamodb" | "secretsmanager" | "ssm";

/** One action on one resource that a request needs; a request is allowed only if all of its checks are. */
export interface AccessCheck {
  readonly action: string;
  readonly resource: string;
}

export interface RequestContext {
  readonly scope: ArnScope;
  /** A secret's full ARN from a name, full ARN or partial ARN, as Secrets Manager authorizes against it. */
  resolveSecretArn(secretId: string): Promise<string>;
}

/** The body is not the JSON object the operation takes. */
export class MalformedRequestError extends Error {
  override readonly name = "MalformedRequestError";
}

const targetPrefixes: Readonly<Record<string, AwsService>> = {
  DynamoDB_20120810: "dynamodb",
  secretsmanager: "secretsmanager",
  AmazonSSM: "ssm",
};

/** Service and operation from `X-Amz-Target` (`DynamoDB_20120810.GetItem`, `secretsmanager.GetSecretValue`, `AmazonSSM.GetParameters`). */
export function operationOf(target: string | undefined): { service: AwsService; operation: string } | undefined {
  const [prefix = "", operation = ""] = (target ?? "").split(".");
  const service = targetPrefixes[prefix];
  return service && operation ? { service, operation } : undefined;
}

const TableReference = z.object({ TableName: z.string() });
const DynamoDbRequest = z.object({
  TableName: z.string().optional(),
  IndexName: z.string().optional(),
  ResourceArn: z.string().optional(),
  RequestItems: z.record(z.string(), z.unknown()).optional(),
  TransactItems: z
    .array(
      z.object({
        Get: TableReference.optional(),
        Put: TableReference.optional(),
        Delete: TableReference.optional(),
        Update: TableReference.optional(),
        ConditionCheck: TableReference.optional(),
      }),
    )
    .optional(),
});

/** A transaction is authorized item by item, each as the single-item action it performs. */
const transactItemActions = {
  Get: "dynamodb:GetItem",
  Put: "dynamodb:PutItem",
  Delete: "dynamodb:DeleteItem",
  Update: "dynamodb:UpdateItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
} as const;

function dynamoDbAccess(operation: string, body: unknown, { scope }: RequestContext): AccessCheck[] {
  const request = parse(DynamoDbRequest, body);
  // Newer DynamoDB APIs accept a table ARN wherever a table name goes.
  const tableArn = (table: string) => (table.startsWith("arn:") ? table : dynamoDbTableArn(scope, table));
  const action = `dynamodb:${operation}`;
  switch (operation) {
    case "TransactWriteItems":
    case "TransactGetItems":
      return (request.TransactItems ?? []).flatMap((item) =>
        Object.entries(transactItemActions).flatMap(([kind, itemAction]) => {
          const target = item[kind as keyof typeof transactItemActions];
          return target ? [{ action: itemAction, resource: tableArn(target.TableName) }] : [];
        }),
      );
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys(request.RequestItems ?? {}).map((table) => ({ action, resource: tableArn(table) }));
  }
  if (request.TableName !== undefined) {
    const onIndex = request.IndexName !== undefined && (operation === "Query" || operation === "Scan");
    const table = tableArn(request.TableName);
    return [{ action, resource: onIndex ? dynamoDbIndexArn(table, request.IndexName ?? "") : table }];
  }
  return [{ action, resource: request.ResourceArn ?? "*" }];
}

const SecretsManagerRequest = z.object({
  SecretId: z.string().optional(),
  Name: z.string().optional(),
  SecretIdList: z.array(z.string()).optional(),
});

async function secretsManagerAccess(operation: string, body: unknown, context: RequestContext): Promise<AccessCheck[]> {
  const request = parse(SecretsManagerRequest, body);
  const action = `secretsmanager:${operation}`;
  if (operation === "BatchGetSecretValue") {
    const secrets = await Promise.all((request.SecretIdList ?? []).map((id) => context.resolveSecretArn(id)));
    return [{ action, resource: "*" }, ...secrets.map((resource) => ({ action: "secretsmanager:GetSecretValue", resource }))];
  }
  if (operation === "CreateSecret" && request.Name !== undefined) {
    return [{ action, resource: secretsManagerSecretArn(context.scope, request.Name) }];
  }
  if (request.SecretId !== undefined) return [{ action, resource: await context.resolveSecretArn(request.SecretId) }];
  return [{ action, resource: "*" }];
}

const SsmRequest = z.object({
  Name: z.string().optional(),
  Names: z.array(z.string()).optional(),
  Path: z.string().optional(),
});

function ssmAccess(operation: string, body: unknown, { scope }: RequestContext): AccessCheck[] {
  const request = parse(SsmRequest, body);
  const action = `ssm:${operation}`;
  // `name:3` and `name:label` select a version of the parameter `name`.
  const parameterArn = (name: string) => (name.startsWith("arn:") ? name : ssmParameterArn(scope, name.split(":")[0] ?? name));
  const names = request.Names ?? [request.Name ?? request.Path].filter((name) => name !== undefined);
  return names.length > 0 ? names.map((name) => ({ action, resource: parameterArn(name) })) : [{ action, resource: "*" }];
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new MalformedRequestError(z.prettifyError(result.error));
  return result.data;
}

/**
 * The IAM actions and resources a request needs, as AWS authorizes it.
 *
 * @example
 * await requiredAccess("dynamodb", "Query", { TableName: "t", IndexName: "byCreatedAt" }, context);
 * // [{ action: "dynamodb:Query", resource: "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/byCreatedAt" }]
 */
export async function requiredAccess(service: AwsService, operation: string, body: unknown, context: RequestContext): Promise<AccessCheck[]> {
  switch (service) {
    case "dynamodb":
      return dynamoDbAccess(operation, body, context);
    case "secretsmanager":
      return secretsManagerAccess(operation, body, context);
    case "ssm":
      return ssmAccess(operation, body, context);
  }
}
