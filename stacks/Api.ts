import {
  authorizer as authorizerDefinition,
  corsPolicy,
  requestBodyMediaTypes,
  resourceMethods,
  routeList,
  type BindingName,
  type FunctionDefinition,
  type RouteDefinition,
} from "../packages/core/src/api/routes.js";
import { grantsOfBinding, type GrantTargets } from "../packages/core/src/api/grants.js";
import { gatewayProblem, gatewayResponses, methodNotAllowed, type GatewayResponseType } from "../packages/core/src/api/gateway-responses.js";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as apig from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as codedeploy from "aws-cdk-lib/aws-codedeploy";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { NagSuppressions } from "cdk-nag";
import { ApiGatewayV1Api, Function, use, type StackContext } from "sst/constructs";
import type { SSTConstruct } from "sst/constructs/Construct.js";
import type { BindingResource } from "sst/constructs/util/binding.js";
import { Alerts } from "./Alerts.js";
import { ONE_MINUTE, stageAlarm, unexpectedErrorsAlarm } from "./alarms.js";
import { Database } from "./Database.js";
import { Secrets } from "./Secrets.js";
import { retentionDays, stageSettings, type StageSettings } from "./stage-settings.js";

/** Name of the alias the integrations target on a deploy: the version that serves traffic (under `sst dev` they target the function). */
export const LIVE_ALIAS = "live";

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
  const { topic } = use(Alerts);
  // Live Lambda (`sst dev`) proxies invocations of the function itself, so there routes skip the alias.
  const liveLambda = app.mode === "dev";
  const unexpectedErrors = unexpectedErrorsAlarm(stack, { threshold: settings.alarms.unexpectedErrors, topic });

  const deploy = functionDeployer(stack, app, settings, { ...use(Database), ...use(Secrets), unexpectedErrors });
  const routeFunctions = routeList.map((route) => ({ route, ...deploy(route) }));
  const authorizerFunction = deploy(authorizerDefinition);
  const target = ({ fn, alias }: DeployedFunction) => (liveLambda ? fn : alias);

  const api = restApiOf(stack, app, settings);
  const restApi = api.cdk.restApi;
  addRouteMethods(stack, api, routeFunctions, target(authorizerFunction), liveLambda);
  answerOtherMethodsWith405(restApi, settings.api.corsAllowOrigin);
  answerGatewayErrorsWithProblems(restApi, settings.api.corsAllowOrigin);

  const apiMetric = stageMetricOf(restApi, app.stage);
  const api5xxRate = api5xxRateAlarm(stack, apiMetric, settings.alarms.api5xxRatePercent, topic);
  const deployedFunctions: DeployedFunction[] = [...routeFunctions, authorizerFunction];
  if (settings.deployment.kind === "canary" && !liveLambda) {
    canaryDeployments(stack, app, settings.deployment, deployedFunctions, { api5xxRate, unexpectedErrors });
  }

  suppressApiGatewayFindings(restApi);
  stack.addOutputs({ ApiEndpoint: api.url });
  return { api, restApi, apiMetric, functions: deployedFunctions, api5xxRate, unexpectedErrors };
}

type Stack = StackContext["stack"];
type SstApp = StackContext["app"];
type CanaryStrategy = Extract<StageSettings["deployment"], { kind: "canary" }>;

/** What the functions are bound to and report to: the table, the secrets, and the one alarm of unexpected errors. */
interface FunctionResources {
  readonly table: ReturnType<typeof Database>["table"];
  readonly apiKeys: ReturnType<typeof Secrets>["apiKeys"];
  readonly apiKeysSecretArn: ReturnType<typeof Secrets>["apiKeysSecretArn"];
  readonly cursorSecret: ReturnType<typeof Secrets>["cursorSecret"];
  readonly unexpectedErrors: cloudwatch.Alarm;
}

/** Makes each function with its own log group, a role that may write only there, and a `live` alias on its current version. */
function functionDeployer(stack: Stack, app: SstApp, settings: StageSettings, resources: FunctionResources) {
  const { table, apiKeys, apiKeysSecretArn, cursorSecret, unexpectedErrors } = resources;
  /** Where the grants of `grants.ts` point on AWS; SSM ARNs are spelled as SST's `Config.Secret` spells them. */
  const grantTargets: GrantTargets = {
    app: app.name,
    stage: app.stage,
    tableArn: table.tableArn,
    apiKeysSecretArn: apiKeys.secretArn,
    ssmParameterArn: (path) => `arn:${stack.partition}:ssm:${app.region}:${app.account}:parameter${path}`,
  };
  const bound: Record<BindingName, SSTConstruct> = { usersTable: table, cursorSecret, apiKeysSecretArn };
  /** Binds with explicit permissions so typed `Table.Users.tableName` stays but grants are only those of `grants.ts`. */
  const bindingsOf = (definition: FunctionDefinition): BindingResource[] =>
    definition.bind.map((name) => ({
      resource: bound[name],
      permissions: grantsOfBinding(definition, name, grantTargets).map(({ actions, resources }) => ({ actions: [...actions], resources: [...resources] })),
    }));

  return (definition: FunctionDefinition): DeployedFunction => {
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
}

/** The regional REST API with the stage's CORS, throttling, tracing and JSON access log. */
function restApiOf(stack: Stack, app: SstApp, settings: StageSettings) {
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
  api.cdk.accessLogGroup?.applyRemovalPolicy(settings.removalPolicy);
  return api;
}

/** Each route's method: behind the API-key authorizer, its required parameters validated, integrated with its function's alias. */
function addRouteMethods(
  stack: Stack,
  api: ApiGatewayV1Api,
  routeFunctions: readonly (DeployedFunction & { readonly route: RouteDefinition })[],
  authorizerHandler: lambda.IFunction,
  liveLambda: boolean,
) {
  // Declared on each method rather than through SST's `authorizers`, whose types only admit token authorizers.
  const apiKeyAuthorizer = new apig.RequestAuthorizer(stack, "ApiKeyAuthorizer", {
    handler: authorizerHandler,
    identitySources: [apig.IdentitySource.header(authorizerDefinition.identityHeader)],
    resultsCacheTtl: Duration.seconds(authorizerDefinition.resultsCacheTtlSeconds),
  });
  const requireParameters = new apig.RequestValidator(stack, "RequireParameters", {
    restApi: api.cdk.restApi,
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
}

/**
 * A method a resource lacks: API Gateway would answer MISSING_AUTHENTICATION_TOKEN (404). An `ANY` method on each
 * resource takes every method not defined on it (the routes' and the CORS OPTIONS take precedence) and answers
 * 405 with Allow from a mock integration, before any key check. Its default integration response (no selection
 * pattern) answers whatever the request's media type, so no request template has to match.
 */
function answerOtherMethodsWith405(restApi: apig.RestApi, corsAllowOrigin: string) {
  for (const [path, methods] of resourceMethods(routeList)) {
    const { status, contentType, headers, body } = methodNotAllowed(methods);
    const responseHeaders: Record<string, string> = {
      "Content-Type": contentType,
      "Access-Control-Allow-Origin": corsAllowOrigin,
      ...headers,
    };
    const methodNotAllowedMethod = restApi.root.resourceForPath(path).addMethod(
      "ANY",
      new apig.MockIntegration({
        requestTemplates: { "application/json": JSON.stringify({ statusCode: status }) },
        passthroughBehavior: apig.PassthroughBehavior.WHEN_NO_MATCH,
        // Request bodies of the binary media types would otherwise pass as bytes, not through the template.
        contentHandling: apig.ContentHandling.CONVERT_TO_TEXT,
        integrationResponses: [
          {
            statusCode: String(status),
            responseParameters: Object.fromEntries(Object.entries(responseHeaders).map(([name, value]) => [`method.response.header.${name}`, `'${value}'`])),
            responseTemplates: { "application/json": JSON.stringify(body) },
          },
        ],
      }),
      {
        authorizationType: apig.AuthorizationType.NONE,
        methodResponses: [
          {
            statusCode: String(status),
            responseParameters: Object.fromEntries(Object.keys(responseHeaders).map((name) => [`method.response.header.${name}`, true])),
          },
        ],
      },
    );
    NagSuppressions.addResourceSuppressions(methodNotAllowedMethod, [
      {
        id: "AwsSolutions-APIG4",
        reason: "It only answers 405 with the methods the resource allows (which the OpenAPI document publishes); it reaches no function or data.",
      },
    ]);
  }
}

/** API Gateway's own errors (401, 403, 413, 429, 5xx, ...) as problem details, with the stage's CORS origin. */
function answerGatewayErrorsWithProblems(restApi: apig.RestApi, corsAllowOrigin: string) {
  for (const type of Object.keys(gatewayResponses) as GatewayResponseType[]) {
    const { status, contentType, headers, body } = gatewayProblem(type);
    restApi.addGatewayResponse(`${type}Problem`, {
      type: apig.ResponseType.of(type),
      statusCode: String(status),
      responseHeaders: {
        "Content-Type": `'${contentType}'`,
        "Access-Control-Allow-Origin": `'${corsAllowOrigin}'`,
        ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`])),
      },
      templates: { "application/json": JSON.stringify(body) },
    });
  }
}

/**
 * A metric of this API's stage, dimensioned by names rather than references: an alarm that
 * referenced the stage would depend on the methods, which depend on the aliases it guards.
 */
function stageMetricOf(restApi: apig.RestApi, stage: string) {
  return (metricName: string, options: cloudwatch.MetricOptions = {}) =>
    new cloudwatch.Metric({
      namespace: "AWS/ApiGateway",
      metricName,
      dimensionsMap: { ApiName: restApi.restApiName, Stage: stage },
      ...options,
    });
}

/** The share of requests answered with 5XX, per minute: it gates canary deploys. */
function api5xxRateAlarm(stack: Stack, apiMetric: ReturnType<typeof stageMetricOf>, thresholdPercent: number, topic: sns.ITopic) {
  return stageAlarm(stack, "Api5xxRate", {
    metric: new cloudwatch.MathExpression({
      expression: "100 * serverErrors",
      usingMetrics: { serverErrors: apiMetric("5XXError", { statistic: "Average" }) },
      label: "5XX responses (%)",
      period: ONE_MINUTE,
    }),
    threshold: thresholdPercent,
    description: "The API answered too many requests with 5XX; a canary deploy rolls back.",
    topic,
  });
}

/** CodeDeploy shifts each function's `live` alias as the canary strategy says, and rolls back on either alarm. */
function canaryDeployments(
  stack: Stack,
  app: SstApp,
  { percent, minutes }: CanaryStrategy,
  deployedFunctions: readonly DeployedFunction[],
  alarms: { readonly api5xxRate: cloudwatch.Alarm; readonly unexpectedErrors: cloudwatch.Alarm },
) {
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
        resources: [alarms.api5xxRate.alarmArn, alarms.unexpectedErrors.alarmArn],
      }),
    ],
  });
  for (const { definition, alias, errorsAlarm } of deployedFunctions) {
    const group = new codedeploy.LambdaDeploymentGroup(stack, `${definition.id}Deployment`, {
      application,
      alias,
      deploymentConfig,
      alarms: [errorsAlarm, alarms.api5xxRate],
      // The CDK would attach a broad AWS managed policy to a role it may update.
      role: deploymentRole.withoutPolicyUpdates(),
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    group.node.addDependency(deploymentPolicy);
  }
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
  NagSuppressions.addResourceSuppressions(restApi.deploymentStage, [
    {
      id: "AwsSolutions-APIG6",
      reason: "Execution logs need the account-wide API Gateway CloudWatch role, which one stage must not own; JSON access logs and X-Ray cover every request.",
    },
  ]);
  for (const method of restApi.methods.filter(({ httpMethod }) => httpMethod === "OPTIONS")) {
    NagSuppressions.addResourceSuppressions(method, [
      { id: "AwsSolutions-APIG4", reason: "CORS preflight requests carry no credentials, by the CORS standard." },
    ]);
  }
}
