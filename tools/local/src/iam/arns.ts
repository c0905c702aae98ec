import { secretParameterPath } from "@users-api/emulators/stage";

/** moto's default account: every local ARN carries it. */
export const LOCAL_ACCOUNT_ID = "123456789012";

/** Partition, region and account an ARN is built in (CDK tokens work too). */
export interface ArnScope {
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
}

const prefix = (scope: ArnScope, service: string) => `arn:${scope.partition ?? "aws"}:${service}:${scope.region}:${scope.account}`;

export const dynamoDbTableArn = (scope: ArnScope, tableName: string) => `${prefix(scope, "dynamodb")}:table/${tableName}`;

export const dynamoDbIndexArn = (tableArn: string, indexName: string) => `${tableArn}/index/${indexName}`;

/** A secret's ARN without the random suffix Secrets Manager appends: only for secrets that do not exist. */
export const secretsManagerSecretArn = (scope: ArnScope, name: string) => `${prefix(scope, "secretsmanager")}:secret:${name}`;

/** SSM omits the slash between `parameter` and a name that starts with one. */
export const ssmParameterArn = (scope: ArnScope, name: string) => `${prefix(scope, "ssm")}:parameter${name.startsWith("/") ? name : `/${name}`}`;

/** The two SSM paths an SST `Config.Secret` is read from: the stage's own value, then the app-wide fallback. */
export const sstSecretParameterPaths = (app: string, stage: string, secretId: string) =>
  [secretParameterPath(app, stage, secretId), secretParameterPath(app, ".fallback", secretId)] as const;

/** The identity a function's calls are made as: its execution role, in a session named after the function. */
export const assumedRoleArn = (account: string, functionId: string, partition = "aws") =>
  `arn:${partition}:sts::${account}:assumed-role/${functionId}Role/${functionId}`;
