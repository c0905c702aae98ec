import { bindingVariables, functionDefaults, functionEnvironment as sharedFunctionEnvironment, type FunctionDefinition, type LogLevel } from "@users-api/core";
import { LOCAL_CREDENTIALS, type LocalStage } from "./stage.js";

/** A function's deployed name: `<stage>-<app>-<FunctionId>`, as SST names it. */
export const lambdaFunctionName = (stage: Pick<LocalStage, "app" | "stage">, functionId: string) => `${stage.stage}-${stage.app}-${functionId}`;

/** Local stages are personal stages, which log at the development level. */
export const LOCAL_LOG_LEVEL: LogLevel = "DEBUG";
/** Personal stages allow any browser origin. */
export const LOCAL_CORS_ALLOW_ORIGIN = "*";

/**
 * The variables the stack configures on a function (the template's
 * `Environment.Variables`): what SST's `Function` adds, the defaults
 * `sst.config.ts` gives every function, and the function's own bindings,
 * nothing else.
 */
export function configuredEnvironment(
  definition: FunctionDefinition,
  stage: LocalStage,
  logLevel: LogLevel = LOCAL_LOG_LEVEL,
  corsAllowOrigin = LOCAL_CORS_ALLOW_ORIGIN,
): Record<string, string> {
  return {
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
    SST_APP: stage.app,
    SST_STAGE: stage.stage,
    SST_SSM_PREFIX: `/sst/${stage.app}/${stage.stage}/`,
    ...sharedFunctionEnvironment({ logLevel, corsAllowOrigin }),
    ...bindingVariables(definition, stage),
  };
}

/** AWS variables pointing straight at the emulators, with credentials they accept. */
export function localAwsEnvironment(stage: LocalStage): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: "local",
    AWS_ENDPOINT_URL_DYNAMODB: stage.endpoints.dynamoDb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stage.endpoints.moto,
    AWS_ENDPOINT_URL_SSM: stage.endpoints.moto,
  };
}

/** Where one execution environment runs; Lambda sets these per environment. */
export interface EnvironmentPlacement {
  /** The function's unpacked bundle (Lambda's `/var/task`). */
  readonly taskRoot: string;
  /** Directory of the runtime bootstrap (Lambda's `/var/runtime`). */
  readonly runtimeDir: string;
  /** SST handler path relative to the task root: file, then export. */
  readonly handler: string;
  /** `host:port` of the UDP endpoint taking X-Ray segments. */
  readonly xrayDaemonAddress: string;
  readonly logStreamName: string;
}

export interface LambdaEnvironmentOptions {
  /** Powertools log level, as the stage's settings give it. */
  readonly logLevel: LogLevel;
  /** The browser origin the API allows, as the stage's settings give it. @default LOCAL_CORS_ALLOW_ORIGIN */
  readonly corsAllowOrigin?: string;
  /** AWS endpoint and credential variables; they win over everything else. */
  readonly aws: Record<string, string>;
  readonly placement: EnvironmentPlacement;
}

/**
 * The complete environment of one of a function's execution environments,
 * as Lambda (Node.js managed runtime, active tracing) builds it: the
 * runtime's own variables, then the configured ones, then the AWS endpoint
 * and credential variables. Nothing else: not one of the runner's own variables.
 *
 * @example
 * lambdaEnvironment(routes.getUser, stage, { logLevel: "DEBUG", aws: localAwsEnvironment(stage), placement })
 */
export function lambdaEnvironment(definition: FunctionDefinition, stage: LocalStage, options: LambdaEnvironmentOptions): Record<string, string> {
  const { placement } = options;
  const functionName = lambdaFunctionName(stage, definition.id);
  const [xrayHost = "127.0.0.1", xrayPort = "2000"] = placement.xrayDaemonAddress.split(":");
  return {
    AWS_REGION: stage.region,
    AWS_DEFAULT_REGION: stage.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${functionDefaults.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functionDefaults.memorySize),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: placement.logStreamName,
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: placement.xrayDaemonAddress,
    _AWS_XRAY_DAEMON_ADDRESS: xrayHost,
    _AWS_XRAY_DAEMON_PORT: xrayPort,
    _HANDLER: placement.handler,
    LAMBDA_TASK_ROOT: placement.taskRoot,
    LAMBDA_RUNTIME_DIR: placement.runtimeDir,
    LANG: "en_US.UTF-8",
    PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    TZ: ":UTC",
    ...configuredEnvironment(definition, stage, options.logLevel, options.corsAllowOrigin),
    ...options.aws,
  };
}
