import {
  GetAuthorizersCommand,
  GetGatewayResponsesCommand,
  GetMethodCommand,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetStagesCommand,
  type APIGatewayClient,
  type Method,
} from "@aws-sdk/client-api-gateway";
import { DescribeStackResourcesCommand, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { GatewayRoute } from "@users-api/emulators/api-gateway/route-table";

/**
 * A REST API as the emulator holds it after `sst deploy`, read through API Gateway's own API
 * (GetResources, GetMethod, GetAuthorizers, GetRequestValidators, GetGatewayResponses, GetStages):
 * nothing here comes from the route definitions or the stacks.
 */
export interface DeployedApi {
  readonly restApiId: string;
  readonly stageName: string;
  /** Every method with a Lambda proxy integration. */
  readonly routes: readonly DeployedRoute[];
  /** Mock methods (CORS `OPTIONS`, the `ANY` that answers 405), by resource path and method. */
  readonly mocks: ReadonlyMap<string, ReadonlyMap<string, MockAnswer>>;
  readonly authorizers: ReadonlyMap<string, DeployedAuthorizer>;
  /** Request validators by id: whether each validates the required request parameters. */
  readonly validators: ReadonlyMap<string, { readonly validateRequestParameters: boolean }>;
  /** The API's gateway responses by type (`DEFAULT_4XX`, `UNAUTHORIZED`, ...). */
  readonly gatewayResponses: ReadonlyMap<string, MockAnswer>;
  /** The stage's default method throttling (`*\/*`), when set. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

export interface DeployedRoute extends GatewayRoute {
  readonly resourceId: string;
  readonly authorizationType: string;
  readonly authorizerId?: string;
  readonly requestValidatorId?: string;
  /** `method.request.<location>.<name>` → required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  /** The Lambda ARN the integration invokes, as deployed (with its alias qualifier). */
  readonly functionArn: string;
}

export interface DeployedAuthorizer {
  readonly id: string;
  readonly type: string;
  readonly functionArn: string;
  /** The header named by `method.request.header.<name>`. */
  readonly identityHeader: string;
  readonly ttlSeconds: number;
}

/** A static answer: a mock integration's response or a gateway response. */
export interface MockAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The `application/json` template, served as is (the API's templates are static). */
  readonly body: string;
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations` → the function ARN. */
export function lambdaArnOfUri(uri: string | undefined): string | undefined {
  return /:lambda:path\/[^/]+\/functions\/(arn:[^/]+)\/invocations$/.exec(uri ?? "")?.[1];
}

/** `'value'` (a static mapping value) → `value`. */
const staticValue = (value: string) => /^'(.*)'$/s.exec(value)?.[1];

function headersOf(parameters: Record<string, string> | undefined, prefix: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    const literal = staticValue(value);
    if (key.startsWith(prefix) && literal !== undefined) headers[key.slice(prefix.length)] = literal;
  }
  return headers;
}

function mockAnswerOf(method: Method): MockAnswer | undefined {
  const responses = Object.entries(method.methodIntegration?.integrationResponses ?? {});
  // The default integration response (no selection pattern) answers a mock.
  const [status, response] = responses.find(([, candidate]) => !candidate.selectionPattern) ?? responses[0] ?? [];
  if (!status || !response) return undefined;
  return {
    status: Number(status),
    headers: headersOf(response.responseParameters, "method.response.header."),
    body: response.responseTemplates?.["application/json"] ?? "",
  };
}

/** The physical id of the stack's REST API, from CloudFormation's record of the stack. */
export async function restApiIdOf(cloudFormation: CloudFormationClient, stackName: string): Promise<string> {
  const { StackResources = [] } = await cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const api = StackResources.find((resource) => resource.ResourceType === "AWS::ApiGateway::RestApi");
  if (!api?.PhysicalResourceId) throw new Error(`${stackName} has no AWS::ApiGateway::RestApi`);
  return api.PhysicalResourceId;
}

/** Reads the deployed REST API and its (only) stage from the emulator's API Gateway. */
export async function readDeployedApi(apiGateway: APIGatewayClient, restApiId: string): Promise<DeployedApi> {
  const { item: stages = [] } = await apiGateway.send(new GetStagesCommand({ restApiId }));
  const [stage] = stages;
  if (!stage?.stageName) throw new Error(`REST API ${restApiId} has no stage`);
  const settings = stage.methodSettings?.["*/*"];
  const throttle =
    settings?.throttlingRateLimit !== undefined && settings.throttlingBurstLimit !== undefined
      ? { rateLimit: settings.throttlingRateLimit, burstLimit: settings.throttlingBurstLimit }
      : undefined;

  const { items: resources = [] } = await apiGateway.send(new GetResourcesCommand({ restApiId, limit: 500 }));
  const routes: DeployedRoute[] = [];
  const mocks = new Map<string, Map<string, MockAnswer>>();
  for (const resource of resources) {
    for (const httpMethod of Object.keys(resource.resourceMethods ?? {})) {
      const method = await apiGateway.send(new GetMethodCommand({ restApiId, resourceId: resource.id, httpMethod }));
      const integration = method.methodIntegration;
      if (integration?.type === "MOCK") {
        const answer = mockAnswerOf(method);
        if (!answer) continue;
        const byMethod = mocks.get(resource.path ?? "/") ?? new Map<string, MockAnswer>();
        byMethod.set(httpMethod, answer);
        mocks.set(resource.path ?? "/", byMethod);
        continue;
      }
      const functionArn = lambdaArnOfUri(integration?.uri);
      if (integration?.type !== "AWS_PROXY" || !functionArn) {
        throw new Error(`${httpMethod} ${resource.path} has a ${integration?.type ?? "missing"} integration, which the served stage does not emulate`);
      }
      routes.push({
        method: httpMethod,
        path: resource.path ?? "/",
        resourceId: resource.id ?? "",
        authorizationType: method.authorizationType ?? "NONE",
        authorizerId: method.authorizerId,
        requestValidatorId: method.requestValidatorId,
        requestParameters: method.requestParameters ?? {},
        functionArn,
      });
    }
  }

  const { items: authorizerItems = [] } = await apiGateway.send(new GetAuthorizersCommand({ restApiId }));
  const authorizers = new Map<string, DeployedAuthorizer>();
  for (const authorizer of authorizerItems) {
    const functionArn = lambdaArnOfUri(authorizer.authorizerUri);
    const identityHeader = /^method\.request\.header\.(.+)$/.exec(authorizer.identitySource ?? "")?.[1];
    if (!authorizer.id || !functionArn || !identityHeader)
      throw new Error(`authorizer ${authorizer.name} of ${restApiId} is not a Lambda authorizer on one header`);
    authorizers.set(authorizer.id, {
      id: authorizer.id,
      type: authorizer.type ?? "REQUEST",
      functionArn,
      identityHeader,
      ttlSeconds: authorizer.authorizerResultTtlInSeconds ?? 300,
    });
  }

  const { items: validatorItems = [] } = await apiGateway.send(new GetRequestValidatorsCommand({ restApiId }));
  const validators = new Map(
    validatorItems.map((validator) => [validator.id ?? "", { validateRequestParameters: validator.validateRequestParameters ?? false }]),
  );

  const { items: responseItems = [] } = await apiGateway.send(new GetGatewayResponsesCommand({ restApiId, limit: 500 }));
  const gatewayResponses = new Map<string, MockAnswer>();
  for (const response of responseItems) {
    if (!response.responseType || !response.statusCode) continue;
    gatewayResponses.set(response.responseType, {
      status: Number(response.statusCode),
      headers: headersOf(response.responseParameters, "gatewayresponse.header."),
      body: response.responseTemplates?.["application/json"] ?? "",
    });
  }

  return { restApiId, stageName: stage.stageName, routes, mocks, authorizers, validators, gatewayResponses, throttle };
}
