import {
  authorizer as authorizerDefinition,
  corsPolicy,
  requestBodyMediaTypes,
  routeList,
  type BindingName,
  type FunctionDefinition,
} from "../packages/core/src/api/routes.js";
import { gatewayProblem, gatewayResponses, type GatewayResponseType } from "../packages/core/src/api/gateway-responses.js";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as apig from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as codedeploy from "aws-cdk-lib/aws-codedeploy";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { NagSuppressions } from "cdk-nag";
import { ApiGatewayV1Api, Function, use, type StackContext } from "sst/constructs";
import type { BindingResource } from "sst/constructs/util/binding.js";
import { Alerts } from "./Alerts.js";
import { ONE_MINUTE, stageAlarm, unexpectedErrorsAlarm } from "./alarms.js";
import { Database } from "./Database.js";
import { Secrets } from "./Secrets.js";
import { retentionDays, stageSettings } from "./stage-settings.js";

/** Name of the alias every integration targets: the version that serves traffic. */
export const LIVE_ALIAS = "live";

/** Request headers browsers may send cross-origin. */

/** API Gateway access-log fields, one JSON object per request; keys and headers are never logged. */
export const ACCESS_LOG_FORMAT = `{${[
  `"requestId":"$context.requestId"`,
  `"requestTime":"$context.requestTime"`,
  `"httpMethod":"$context.httpMethod"`,
  `"resourcePath":"$context.resourcePath"`,
  `"path":"$context.path"`,
  `"status":$context.status`,
  `"responseLength":"$context.responseLength"`,
  `"responseLatency":$context.responseLatency`,
  `"integrationLatency":"$context.integration.latency"`,
  `"integrationStatus":"$context.integration.status"`,
  `"integrationError":"$context.integration.error"`,
  `"authorizerLatency":"$context.authorizer.latency"`,
  `"authorizerStatus":"$context.authorizer.status"`,
  `"errorType":"$context.error.responseType"`,
  `"errorMessage":"$context.error.message"`,
  `"principalId":"$context.authorizer.principalId"`,
  `"sourceIp":"$context.identity.sourceIp"`,
  `"userAgent":"$context.identity.userAgent"`,
  `"xrayTraceId":"$context.xrayTraceId"`,
].join(",")}}`;

/** `{userId}` in a path becomes a required `method.request.path.userId`. */
const requiredParameters = (path: string): Record<string, boolean> =>
  Object.fromEntries([
    [`method.request.header.${authorizerDefinition.identityHeader}`, true],
    ...[...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [`method.request.path.${name}`, true]),
  ]);

/** One deployed function: its construct, the alias that serves traffic, and the alarm that gates its deployments. */
export interface DeployedFunction {
  readonly definition: FunctionDefinition;
  readonly fn: Function;
  readonly alias: lambda.Alias;
  readonly errorsAlarm: cloudwatch.Alarm;
}

/**
 * The REST API: one function per route, each bound to exactly what its route
 * definition grants, served through a `live` alias so a deploy shifts traffic
 * to a new version as the stage's deployment strategy says.
 */
export function Api({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const { table } = use(Database);
  const { apiKeys, apiKeysSecretArn, cursorSecret } = use(Secrets);
  const { topic } = use(Alerts);
  // Live Lambda (`sst dev`) proxies invocations of the function itself, so there routes skip the alias.
  const liveLambda = app.mode === "dev";

  /** Binds with explicit permissions so typed `Table.Users.tableName` stays but grants are only the listed ones. */
  const bindingsOf = (definition: FunctionDefinition): BindingResource[] =>
    definition.bind.map((name: BindingName) => {
      switch (name) {
        case "usersTable": {
          const { table: tableActions = [], indexes = {} } = definition.tableAccess;
          const permissions = [
            ...(tableActions.length > 0 ? [{ actions: [...tableActions], resources: [table.tableArn] }] : []),
            ...Object.entries(indexes).map(([index, actions]) => ({
              actions: [...(actions ?? [])],
              resources: [`${table.tableArn}/index/${index}`],
            })),
          ];
          return { resource: table, permissions };
        }
        case "apiKeysSecretArn":
          return {
            resource: apiKeysSecretArn,
            permissions: [{ actions: [...definition.apiKeysSecretAccess], resources: [apiKeys.secretArn] }],
          };
        case "cursorSecret":
          return cursorSecret;
      }
    });

  const unexpectedErrors = unexpectedErrorsAlarm(stack, { threshold: settings.alarms.unexpectedErrors, topic });

  /** A function with its own log group, a role that may write only there, and a `live` alias on its current version. */
  const deploy = (definition: FunctionDefinition): DeployedFunction => {
    const logGroup = new logs.LogGroup(stack, `${definition.id}Logs`, {
      retention: retentionDays(settings.logRetention),
      removalPolicy: settings.removalPolicy,
    });
    const role = new iam.Role(stack, `${definition.id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${definition.id} function of ${app.stage}: its log group and its route's grants only`,
    });
    logGroup.grantWrite(role);
    const fn = new Function(stack, definition.id, {
      handler: definition.handler,
      role,
      logGroup,
      bind: bindingsOf(definition),
      // Old versions stay, so CodeDeploy can shift traffic back to the previous one.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    const alias = new lambda.Alias(stack, `${definition.id}LiveAlias`, {
      aliasName: LIVE_ALIAS,
      version: fn.currentVersion,
    });
    // One alarm for all functions (alarms.ts): one alarm metric to pay for, not one per function.
    const errorsAlarm = unexpectedErrors;
    NagSuppressions.addResourceSuppressions(fn, [
      {
        id: "AwsSolutions-L1",
        reason: "nodejs22.x is the runtime set once in routes.ts functionDefaults and tested locally; moving to Node 24 is a deliberate upgrade.",
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason: "X-Ray's PutTraceSegments and PutTelemetryRecords accept no resource narrower than '*'.",
          appliesTo: ["Resource::*"],
        },
      ],
      true,
    );
    return { definition, fn, alias, errorsAlarm };
  };

  const routeFunctions = routeList.map((route) => ({ route, ...deploy(route) }));
  const authorizerFunction = deploy(authorizerDefinition);
  const target = ({ fn, alias }: DeployedFunction) => (liveLambda ? fn : alias);

  const api = new ApiGatewayV1Api(stack, "Api", {
    accessLog: { format: ACCESS_LOG_FORMAT, retention: settings.logRetention },
    cdk: {
      restApi: {
        endpointTypes: [apig.EndpointType.REGIONAL],
        // JSON bodies reach the functions as the bytes sent (base64), so invalid UTF-8 is refused, not replaced.
        binaryMediaTypes: [...requestBodyMediaTypes],
        // The account-wide API Gateway logging role is not one stage's to own (see APIG6 below).
        cloudWatchRole: false,
        defaultCorsPreflightOptions: {
          allowOrigins: [settings.api.corsAllowOrigin],
          allowMethods: [...corsPolicy.allowMethods],
          allowHeaders: [...corsPolicy.allowHeaders],
          maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
        },
        deployOptions: {
          // Named after the stage, as the metric dimensions below assume.
          stageName: app.stage,
          throttlingRateLimit: settings.api.throttleRateLimit,
          throttlingBurstLimit: settings.api.throttleBurstLimit,
          tracingEnabled: true,
        },
      },
    },
  });
  const restApi = api.cdk.restApi;
  api.cdk.accessLogGroup?.applyRemovalPolicy(settings.removalPolicy);

  // Declared on each method rather than through SST's `authorizers`, whose types only admit token authorizers.
  const apiKeyAuthorizer = new apig.RequestAuthorizer(stack, "ApiKeyAuthorizer", {
    handler: target(authorizerFunction),
    identitySources: [apig.IdentitySource.header(authorizerDefinition.identityHeader)],
    resultsCacheTtl: Duration.seconds(authorizerDefinition.resultsCacheTtlSeconds),
  });
  const requireParameters = new apig.RequestValidator(stack, "RequireParameters", {
    restApi,
    requestValidatorName: "required-parameters",
    validateRequestParameters: true,
  });
  api.addRoutes(
    stack,
    Object.fromEntries(
      routeFunctions.map((deployed) => {
        const method = {
          authorizationType: apig.AuthorizationType.CUSTOM,
          authorizer: apiKeyAuthorizer,
          requestParameters: requiredParameters(deployed.route.path),
          requestValidator: requireParameters,
        };
        const key = `${deployed.route.method} ${deployed.route.path}`;
        return [key, liveLambda ? { function: deployed.fn, cdk: { method } } : { cdk: { function: deployed.alias, method } }];
      }),
    ),
  );

  for (const type of Object.keys(gatewayResponses) as GatewayResponseType[]) {
    const { status, contentType, headers, body } = gatewayProblem(type);
    restApi.addGatewayResponse(`${type}Problem`, {
      type: apig.ResponseType.of(type),
      statusCode: String(status),
      responseHeaders: {
        "Content-Type": `'${contentType}'`,
        "Access-Control-Allow-Origin": `'${settings.api.corsAllowOrigin}'`,
        ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`])),
      },
      templates: { "application/json": JSON.stringify(body) },
    });
  }

  /**
   * A metric of this API's stage, dimensioned by names rather than references: an alarm that
   * referenced the stage would depend on the methods, which depend on the aliases it guards.
   */
  const apiMetric = (metricName: string, options: cloudwatch.MetricOptions = {}) =>
    new cloudwatch.Metric({
      namespace: "AWS/ApiGateway",
      metricName,
      dimensionsMap: { ApiName: restApi.restApiName, Stage: app.stage },
      ...options,
    });
  const api5xxRate = stageAlarm(stack, "Api5xxRate", {
    metric: new cloudwatch.MathExpression({
      expression: "100 * serverErrors",
      usingMetrics: { serverErrors: apiMetric("5XXError", { statistic: "Average" }) },
      label: "5XX responses (%)",
      period: ONE_MINUTE,
    }),
    threshold: settings.alarms.api5xxRatePercent,
    description: "The API answered too many requests with 5XX; a canary deploy rolls back.",
    topic,
  });

  const deployedFunctions: DeployedFunction[] = [...routeFunctions, authorizerFunction];
  if (settings.deployment.kind === "canary" && !liveLambda) {
    const { percent, minutes } = settings.deployment;
    const application = new codedeploy.LambdaApplication(stack, "Deployments", {
      applicationName: app.logicalPrefixedName("deployments"),
    });
    const deploymentConfig = new codedeploy.LambdaDeploymentConfig(stack, "Canary", {
      trafficRouting: codedeploy.TrafficRouting.timeBasedCanary({ percentage: percent, interval: Duration.minutes(minutes) }),
    });
    // CodeDeploy's own role, granted only the aliases it moves and the alarms it watches.
    const deploymentRole = new iam.Role(stack, "DeploymentRole", {
      assumedBy: new iam.ServicePrincipal("codedeploy.amazonaws.com"),
      description: `CodeDeploy canary deployments of ${app.stage}`,
    });
    const deploymentPolicy = new iam.Policy(stack, "DeploymentPolicy", {
      roles: [deploymentRole],
      statements: [
        new iam.PolicyStatement({
          actions: ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
          // The alias ARN is spelled out: referencing the alias would make it depend on its own deployment group.
          resources: deployedFunctions.flatMap(({ fn }) => [fn.functionArn, `${fn.functionArn}:${LIVE_ALIAS}`]),
        }),
        new iam.PolicyStatement({
          actions: ["cloudwatch:DescribeAlarms"],
          resources: [api5xxRate.alarmArn, unexpectedErrors.alarmArn],
        }),
      ],
    });
    for (const { definition, alias, errorsAlarm } of deployedFunctions) {
      const group = new codedeploy.LambdaDeploymentGroup(stack, `${definition.id}Deployment`, {
        application,
        alias,
        deploymentConfig,
        alarms: [errorsAlarm, api5xxRate],
        // The CDK would attach a broad AWS managed policy to a role it may update.
        role: deploymentRole.withoutPolicyUpdates(),
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
      group.node.addDependency(deploymentPolicy);
    }
  }

  suppressApiGatewayFindings(restApi);
  stack.addOutputs({ ApiEndpoint: api.url });
  return { api, restApi, apiMetric, functions: deployedFunctions, api5xxRate, unexpectedErrors };
}

/** cdk-nag findings about API Gateway that this design answers otherwise, each with the reason. */
function suppressApiGatewayFindings(restApi: apig.RestApi) {
  NagSuppressions.addResourceSuppressions(
    restApi,
    [
      {
        id: "AwsSolutions-COG4",
        reason: "Callers are services holding API keys, checked by the Lambda REQUEST authorizer; there are no Cognito users.",
      },
      {
        id: "AwsSolutions-APIG2",
        reason:
          "The validator checks required parameters; bodies are checked by the handlers with the domain's zod schemas, which answer with per-field problem details, identically on AWS and locally.",
      },
      {
        id: "AwsSolutions-APIG3",
        reason: "Stage throttling and the API-key authorizer bound abuse; a regional WAF is not justified for a key-only API yet.",
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(
    restApi.deploymentStage,
    [
      {
        id: "AwsSolutions-APIG6",
        reason:
          "Execution logs need the account-wide API Gateway CloudWatch role, which one stage must not own; JSON access logs and X-Ray cover every request.",
      },
    ],
  );
  for (const method of restApi.methods.filter(({ httpMethod }) => httpMethod === "OPTIONS")) {
    NagSuppressions.addResourceSuppressions(method, [
      { id: "AwsSolutions-APIG4", reason: "CORS preflight requests carry no credentials, by the CORS standard." },
    ]);
  }
}
