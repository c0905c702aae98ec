import { createHash } from "node:crypto";
import {
  GetAuthorizerCommand,
  GetDeploymentCommand,
  GetGatewayResponseCommand,
  GetMethodCommand,
  GetRequestValidatorCommand,
  GetResourceCommand,
  GetRestApiCommand,
  GetStageCommand,
} from "@aws-sdk/client-api-gateway";
import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, type ServiceNamespace } from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand, GetDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetApplicationCommand, GetDeploymentConfigCommand, GetDeploymentGroupCommand } from "@aws-sdk/client-codedeploy";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetRoleCommand, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
} from "@aws-sdk/client-lambda";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { DescribeRuleCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetBucketPolicyCommand, GetBucketTaggingCommand, GetBucketVersioningCommand, GetObjectCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { GetSamplingRulesCommand } from "@aws-sdk/client-xray";
import type { EmulatorClients } from "./clients.js";

/** A template resource as deployed: its physical id and its properties resolved against the deployment. */
export interface DeployedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly properties: Record<string, unknown>;
  readonly deletionPolicy?: string;
}

/**
 * How the checker reads one resource type through its service's own API: `observe` answers what the
 * service reports for the resource (undefined when the service has no such resource), `compare` lists
 * where that differs from the template.
 */
export interface Verifier<Observed = unknown> {
  observe(resource: DeployedResource, clients: EmulatorClients): Promise<Observed | undefined>;
  compare(resource: DeployedResource, observed: Observed): string[];
  /** `Fn::GetAtt` values, read from the service. */
  readonly attributes?: Readonly<Record<string, (physicalId: string, clients: EmulatorClients) => Promise<string>>>;
}

const verifier = <Observed>(definition: Verifier<Observed>): Verifier<Observed> => definition;

/** Runs `read`; an error whose name is one of `notFound` means the resource does not exist. */
async function absentOn<T>(notFound: readonly string[], read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof Error && notFound.includes(error.name)) return undefined;
    throw error;
  }
}

/** Canonical JSON: object keys sorted, so equal documents compare equal. */
export function canonical(value: unknown): string {
  const sortKeys = (inner: unknown): unknown =>
    Array.isArray(inner)
      ? inner.map(sortKeys)
      : inner !== null && typeof inner === "object"
        ? Object.fromEntries(
            Object.entries(inner as Record<string, unknown>)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sortKeys(v)]),
          )
        : inner;
  return JSON.stringify(sortKeys(value));
}

const parsed = (document: unknown): unknown => (typeof document === "string" ? JSON.parse(decodeURIComponent(document)) : document);

/** A difference, when the service's value is not the template's (numbers and strings compare by value). */
function differs(label: string, expected: unknown, actual: unknown): string[] {
  if (expected === undefined) return [];
  const normal = (value: unknown) => (typeof value === "number" || typeof value === "boolean" ? String(value) : canonical(value));
  return normal(expected) === normal(actual) ? [] : [`${label}: template ${canonical(expected)}, emulator ${canonical(actual)}`];
}

/** Resolved template properties, read loosely: each verifier compares the few it knows the shape of. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation property shapes vary per type
const props = (resource: DeployedResource) => resource.properties as Record<string, any>;
const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** `sst secrets set` reloads a bound function by setting this variable outside CloudFormation (sst/config.js). */
const withoutSecretReload = (variables: Record<string, string> | undefined) => {
  const { SST_ADMIN_SECRET_UPDATED_AT: _reloaded, ...rest } = variables ?? {};
  return variables && rest;
};

/** Where the function behind a name, ARN or alias ARN lives: its name and qualifier. */
function functionNameAndQualifier(nameOrArn: string): { name: string; qualifier?: string } {
  const arn = nameOrArn.match(/^arn:[^:]+:lambda:[^:]+:[^:]+:function:([^:]+)(?::(.+))?$/);
  if (arn) return { name: arn[1] ?? nameOrArn, qualifier: arn[2] };
  return { name: nameOrArn };
}

// ------------------------------------------------------------------------------------------------------------

const table = verifier({
  async observe({ physicalId }, { dynamoDb }) {
    const described = await absentOn(["ResourceNotFoundException"], () => dynamoDb.send(new DescribeTableCommand({ TableName: physicalId })));
    if (!described?.Table) return undefined;
    const [ttl, backups] = await Promise.all([
      dynamoDb.send(new DescribeTimeToLiveCommand({ TableName: physicalId })),
      dynamoDb.send(new DescribeContinuousBackupsCommand({ TableName: physicalId })),
    ]);
    return { table: described.Table, ttl: ttl.TimeToLiveDescription, backups: backups.ContinuousBackupsDescription };
  },
  compare(resource, { table: described, ttl, backups }) {
    const p = props(resource);
    const throughput = (value: { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined) =>
      value && { ReadCapacityUnits: value.ReadCapacityUnits, WriteCapacityUnits: value.WriteCapacityUnits };
    const indexes = (
      list: { IndexName?: string; KeySchema?: unknown; ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number } }[] | undefined,
    ) =>
      Object.fromEntries(
        (list ?? []).map((index) => [index.IndexName, { KeySchema: index.KeySchema, ProvisionedThroughput: throughput(index.ProvisionedThroughput) }]),
      );
    return [
      ...differs("KeySchema", p.KeySchema, described.KeySchema),
      ...differs("ProvisionedThroughput", throughput(p.ProvisionedThroughput), throughput(described.ProvisionedThroughput)),
      ...differs("GlobalSecondaryIndexes", p.GlobalSecondaryIndexes && indexes(p.GlobalSecondaryIndexes), indexes(described.GlobalSecondaryIndexes)),
      ...differs("DeletionProtectionEnabled", Boolean(p.DeletionProtectionEnabled), Boolean(described.DeletionProtectionEnabled)),
      ...differs("SSESpecification.SSEEnabled", p.SSESpecification?.SSEEnabled, described.SSEDescription?.Status === "ENABLED"),
      ...differs(
        "TimeToLiveSpecification",
        p.TimeToLiveSpecification && { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: p.TimeToLiveSpecification.Enabled },
        ttl && { AttributeName: ttl.AttributeName, Enabled: ttl.TimeToLiveStatus === "ENABLED" },
      ),
      ...differs(
        "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
        p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
        backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === "ENABLED",
      ),
    ];
  },
  attributes: {
    Arn: async (physicalId, { dynamoDb }) => String((await dynamoDb.send(new DescribeTableCommand({ TableName: physicalId }))).Table?.TableArn),
    StreamArn: async (physicalId, { dynamoDb }) => String((await dynamoDb.send(new DescribeTableCommand({ TableName: physicalId }))).Table?.LatestStreamArn),
  },
});

/** `resourceId|scalableDimension|serviceNamespace`, CloudFormation's physical id of a scalable target. */
const scalableTargetKey = (physicalId: string) => {
  const [resourceId, dimension, namespace] = physicalId.split("|");
  return { ResourceId: String(resourceId), ScalableDimension: dimension, ServiceNamespace: namespace as ServiceNamespace };
};

const scalableTarget = verifier({
  async observe({ physicalId }, { autoScaling }) {
    const key = scalableTargetKey(physicalId);
    const { ScalableTargets = [] } = await autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: key.ServiceNamespace,
        ResourceIds: [key.ResourceId],
        ScalableDimension: key.ScalableDimension as never,
      }),
    );
    return ScalableTargets.find((target) => target.ResourceId === key.ResourceId && target.ScalableDimension === key.ScalableDimension);
  },
  compare(resource, target) {
    const p = props(resource);
    return [
      ...differs("ResourceId", p.ResourceId, target.ResourceId),
      ...differs("ScalableDimension", p.ScalableDimension, target.ScalableDimension),
      ...differs("MinCapacity", p.MinCapacity, target.MinCapacity),
      ...differs("MaxCapacity", p.MaxCapacity, target.MaxCapacity),
    ];
  },
});

const scalingPolicy = verifier({
  async observe(resource, { autoScaling }) {
    const p = props(resource);
    const key = p.ScalingTargetId
      ? scalableTargetKey(String(p.ScalingTargetId))
      : { ResourceId: String(p.ResourceId), ScalableDimension: p.ScalableDimension, ServiceNamespace: p.ServiceNamespace as ServiceNamespace };
    const { ScalingPolicies = [] } = await autoScaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: key.ServiceNamespace,
        ResourceId: key.ResourceId,
        ScalableDimension: key.ScalableDimension as never,
        PolicyNames: [String(p.PolicyName)],
      }),
    );
    return ScalingPolicies.find((policy) => policy.PolicyARN === resource.physicalId);
  },
  compare(resource, policy) {
    const p = props(resource);
    const tracking = p.TargetTrackingScalingPolicyConfiguration;
    return [
      ...differs("PolicyType", p.PolicyType, policy.PolicyType),
      ...differs("TargetValue", tracking?.TargetValue, policy.TargetTrackingScalingPolicyConfiguration?.TargetValue),
      ...differs(
        "PredefinedMetricType",
        tracking?.PredefinedMetricSpecification?.PredefinedMetricType,
        policy.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType,
      ),
    ];
  },
});

const ssmParameter = verifier({
  async observe({ physicalId }, { ssm }) {
    return (await absentOn(["ParameterNotFound"], () => ssm.send(new GetParameterCommand({ Name: physicalId, WithDecryption: true }))))?.Parameter;
  },
  compare(resource, parameter) {
    const p = props(resource);
    return [...differs("Value", p.Value, parameter.Value), ...differs("Type", p.Type, parameter.Type)];
  },
});

const secret = verifier({
  async observe({ physicalId }, { secretsManager }) {
    const described = await absentOn(["ResourceNotFoundException"], () => secretsManager.send(new DescribeSecretCommand({ SecretId: physicalId })));
    // A secret scheduled for deletion is gone for CloudFormation's purposes.
    return described && !described.DeletedDate ? described : undefined;
  },
  compare(resource, described) {
    const p = props(resource);
    return [
      ...differs("ARN", resource.physicalId, described.ARN),
      ...differs("Description", p.Description, described.Description),
      ...differs("Name", p.Name, described.Name),
    ];
  },
});

const topic = verifier({
  async observe({ physicalId }, { sns }) {
    return (await absentOn(["NotFoundException", "NotFound"], () => sns.send(new GetTopicAttributesCommand({ TopicArn: physicalId }))))?.Attributes;
  },
  compare(resource, attributes) {
    const p = props(resource);
    return [...differs("DisplayName", p.DisplayName, attributes.DisplayName), ...differs("TopicArn", resource.physicalId, attributes.TopicArn)];
  },
});

const topicPolicy = verifier({
  async observe(resource, { sns }) {
    const policies = await Promise.all(
      stringList(props(resource).Topics).map(async (topicArn) => {
        const attributes = (await absentOn(["NotFoundException", "NotFound"], () => sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))))
          ?.Attributes;
        return attributes && { topicArn, policy: parsed(attributes.Policy) };
      }),
    );
    // The policy exists while every topic it names carries it; once removed, topics have SNS's default policy again.
    const expected = canonical(props(resource).PolicyDocument);
    return policies.every((entry) => entry && canonical(entry.policy) === expected) ? policies : undefined;
  },
  compare() {
    return [];
  },
});

const subscription = verifier({
  async observe({ physicalId }, { sns }) {
    return (await absentOn(["NotFoundException", "NotFound"], () => sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: physicalId }))))
      ?.Attributes;
  },
  compare(resource, attributes) {
    const p = props(resource);
    return [
      ...differs("Protocol", p.Protocol, attributes.Protocol),
      ...differs("Endpoint", p.Endpoint, attributes.Endpoint),
      ...differs("TopicArn", p.TopicArn, attributes.TopicArn),
    ];
  },
});

const lambdaFunction = verifier({
  async observe({ physicalId }, { lambda }) {
    return absentOn(["ResourceNotFoundException"], () => lambda.send(new GetFunctionCommand({ FunctionName: physicalId })));
  },
  compare(resource, observed) {
    const p = props(resource);
    const configuration = observed.Configuration ?? {};
    return [
      ...differs("Runtime", p.Runtime, configuration.Runtime),
      ...differs("Handler", p.Handler, configuration.Handler),
      ...differs("Role", p.Role, configuration.Role),
      ...differs("MemorySize", p.MemorySize, configuration.MemorySize),
      ...differs("Timeout", p.Timeout, configuration.Timeout),
      ...differs("Architectures", p.Architectures, configuration.Architectures),
      ...differs("Environment.Variables", p.Environment?.Variables, withoutSecretReload(configuration.Environment?.Variables)),
      ...differs("TracingConfig.Mode", p.TracingConfig?.Mode, configuration.TracingConfig?.Mode),
      ...differs("LoggingConfig.LogGroup", p.LoggingConfig?.LogGroup, configuration.LoggingConfig?.LogGroup),
    ];
  },
  attributes: {
    Arn: async (physicalId, { lambda }) => String((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: physicalId }))).FunctionArn),
  },
});

const lambdaVersion = verifier({
  async observe({ physicalId }, { lambda }) {
    const { name, qualifier } = functionNameAndQualifier(physicalId);
    return absentOn(["ResourceNotFoundException"], () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier })));
  },
  compare(resource, configuration) {
    return differs("Version", functionNameAndQualifier(resource.physicalId).qualifier, configuration.Version);
  },
  attributes: {
    Version: async (physicalId) => String(functionNameAndQualifier(physicalId).qualifier),
  },
});

const lambdaAlias = verifier({
  async observe({ physicalId }, { lambda }) {
    const { name, qualifier } = functionNameAndQualifier(physicalId);
    return absentOn(["ResourceNotFoundException"], () => lambda.send(new GetAliasCommand({ FunctionName: name, Name: qualifier })));
  },
  compare(resource, alias) {
    const p = props(resource);
    return [
      ...differs("FunctionVersion", p.FunctionVersion, alias.FunctionVersion),
      ...differs("Name", p.Name, alias.Name),
      ...differs("AliasArn", resource.physicalId, alias.AliasArn),
    ];
  },
});

const lambdaPermission = verifier({
  async observe(resource, { lambda }) {
    const { name, qualifier } = functionNameAndQualifier(String(props(resource).FunctionName));
    const policy = await absentOn(["ResourceNotFoundException"], () => lambda.send(new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier })));
    const statements = ((policy?.Policy ? JSON.parse(policy.Policy) : { Statement: [] }) as { Statement: { Sid?: string }[] }).Statement;
    return statements.find((statement) => statement.Sid === resource.physicalId) as
      | { Sid: string; Action?: string; Principal?: { Service?: string }; Condition?: { ArnLike?: { "AWS:SourceArn"?: string } } }
      | undefined;
  },
  compare(resource, statement) {
    const p = props(resource);
    return [
      ...differs("Action", p.Action, statement.Action),
      ...differs("Principal", p.Principal, statement.Principal?.Service),
      ...differs("SourceArn", p.SourceArn, statement.Condition?.ArnLike?.["AWS:SourceArn"]),
    ];
  },
});

const lambdaEventInvokeConfig = verifier({
  async observe({ physicalId }, { lambda }) {
    const { name, qualifier } = functionNameAndQualifier(physicalId);
    return absentOn(["ResourceNotFoundException"], () => lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier })));
  },
  compare(resource, config) {
    const p = props(resource);
    return [
      ...differs("MaximumRetryAttempts", p.MaximumRetryAttempts, config.MaximumRetryAttempts),
      ...differs("MaximumEventAgeInSeconds", p.MaximumEventAgeInSeconds, config.MaximumEventAgeInSeconds),
    ];
  },
});

const logGroup = verifier({
  async observe({ physicalId }, { logs }) {
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: physicalId }));
    return logGroups.find((group) => group.logGroupName === physicalId);
  },
  compare(resource, group) {
    return differs("RetentionInDays", props(resource).RetentionInDays, group.retentionInDays);
  },
  attributes: {
    Arn: async (physicalId, { logs }) => {
      const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: physicalId }));
      return String(logGroups.find((group) => group.logGroupName === physicalId)?.arn);
    },
  },
});

const role = verifier({
  async observe({ physicalId }, { iam }) {
    return (await absentOn(["NoSuchEntityException", "NoSuchEntity"], () => iam.send(new GetRoleCommand({ RoleName: physicalId }))))?.Role;
  },
  compare(resource, described) {
    const p = props(resource);
    return [
      ...differs("AssumeRolePolicyDocument", p.AssumeRolePolicyDocument, parsed(described.AssumeRolePolicyDocument)),
      ...differs("Description", p.Description, described.Description),
    ];
  },
  attributes: {
    Arn: async (physicalId, { iam }) => String((await iam.send(new GetRoleCommand({ RoleName: physicalId }))).Role?.Arn),
  },
});

const rolePolicy = verifier({
  async observe(resource, { iam }) {
    const p = props(resource);
    const documents = await Promise.all(
      stringList(p.Roles).map(async (roleName) =>
        absentOn(["NoSuchEntityException", "NoSuchEntity"], () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: String(p.PolicyName) }))),
      ),
    );
    return documents.every(Boolean) ? documents.map((document) => parsed(document?.PolicyDocument)) : undefined;
  },
  compare(resource, documents) {
    return documents.flatMap((document) => differs("PolicyDocument", props(resource).PolicyDocument, document));
  },
});

const restApi = verifier({
  async observe({ physicalId }, { apiGateway }) {
    return absentOn(["NotFoundException"], () => apiGateway.send(new GetRestApiCommand({ restApiId: physicalId })));
  },
  compare(resource, api) {
    const p = props(resource);
    return [...differs("Name", p.Name, api.name), ...differs("EndpointConfiguration.Types", p.EndpointConfiguration?.Types, api.endpointConfiguration?.types)];
  },
  attributes: {
    RootResourceId: async (physicalId, { apiGateway }) => String((await apiGateway.send(new GetRestApiCommand({ restApiId: physicalId }))).rootResourceId),
  },
});

const apiResource = verifier({
  async observe(resource, { apiGateway }) {
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetResourceCommand({ restApiId: String(props(resource).RestApiId), resourceId: resource.physicalId })),
    );
  },
  compare(resource, observed) {
    const p = props(resource);
    return [...differs("PathPart", p.PathPart, observed.pathPart), ...differs("ParentId", p.ParentId, observed.parentId)];
  },
});

const apiMethod = verifier({
  async observe(resource, { apiGateway }) {
    const p = props(resource);
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetMethodCommand({ restApiId: String(p.RestApiId), resourceId: String(p.ResourceId), httpMethod: String(p.HttpMethod) })),
    );
  },
  compare(resource, method) {
    const p = props(resource);
    return [
      ...differs("AuthorizationType", p.AuthorizationType, method.authorizationType),
      ...differs("AuthorizerId", p.AuthorizerId, method.authorizerId),
      ...differs("RequestValidatorId", p.RequestValidatorId, method.requestValidatorId),
      ...differs("RequestParameters", p.RequestParameters, method.requestParameters),
      ...differs("Integration.Type", p.Integration?.Type, method.methodIntegration?.type),
      ...differs("Integration.Uri", p.Integration?.Uri, method.methodIntegration?.uri),
    ];
  },
});

const apiDeployment = verifier({
  async observe(resource, { apiGateway }) {
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetDeploymentCommand({ restApiId: String(props(resource).RestApiId), deploymentId: resource.physicalId })),
    );
  },
  compare(resource, deployment) {
    return differs("Description", props(resource).Description, deployment.description);
  },
});

const apiStage = verifier({
  async observe(resource, { apiGateway }) {
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetStageCommand({ restApiId: String(props(resource).RestApiId), stageName: resource.physicalId })),
    );
  },
  compare(resource, stage) {
    const p = props(resource);
    const settings = (p.MethodSettings ?? []) as { ResourcePath?: string; HttpMethod?: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[];
    return [
      ...differs("DeploymentId", p.DeploymentId, stage.deploymentId),
      ...differs("TracingEnabled", p.TracingEnabled, stage.tracingEnabled),
      ...differs("AccessLogSetting.DestinationArn", p.AccessLogSetting?.DestinationArn, stage.accessLogSettings?.destinationArn),
      ...differs("AccessLogSetting.Format", p.AccessLogSetting?.Format, stage.accessLogSettings?.format),
      ...settings.flatMap((setting) => {
        const key = `${setting.ResourcePath ?? "/*"}/${setting.HttpMethod ?? "*"}`.replace(/^\//, "");
        const observed = stage.methodSettings?.[key];
        return [
          ...differs(`MethodSettings[${key}].ThrottlingRateLimit`, setting.ThrottlingRateLimit, observed?.throttlingRateLimit),
          ...differs(`MethodSettings[${key}].ThrottlingBurstLimit`, setting.ThrottlingBurstLimit, observed?.throttlingBurstLimit),
        ];
      }),
    ];
  },
});

const apiAuthorizer = verifier({
  async observe(resource, { apiGateway }) {
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetAuthorizerCommand({ restApiId: String(props(resource).RestApiId), authorizerId: resource.physicalId })),
    );
  },
  compare(resource, authorizer) {
    const p = props(resource);
    return [
      ...differs("Type", p.Type, authorizer.type),
      ...differs("IdentitySource", p.IdentitySource, authorizer.identitySource),
      ...differs("AuthorizerUri", p.AuthorizerUri, authorizer.authorizerUri),
      ...differs("AuthorizerResultTtlInSeconds", p.AuthorizerResultTtlInSeconds, authorizer.authorizerResultTtlInSeconds),
    ];
  },
});

const gatewayResponse = verifier({
  async observe(resource, { apiGateway }) {
    const p = props(resource);
    const response = await absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetGatewayResponseCommand({ restApiId: String(p.RestApiId), responseType: p.ResponseType })),
    );
    // API Gateway answers every response type with its default; only a non-default one is this resource.
    return response && !response.defaultResponse ? response : undefined;
  },
  compare(resource, response) {
    const p = props(resource);
    return [
      ...differs("StatusCode", p.StatusCode, response.statusCode),
      ...differs("ResponseParameters", p.ResponseParameters, response.responseParameters),
      ...differs("ResponseTemplates", p.ResponseTemplates, response.responseTemplates),
    ];
  },
});

const requestValidator = verifier({
  async observe(resource, { apiGateway }) {
    return absentOn(["NotFoundException"], () =>
      apiGateway.send(new GetRequestValidatorCommand({ restApiId: String(props(resource).RestApiId), requestValidatorId: resource.physicalId })),
    );
  },
  compare(resource, validator) {
    const p = props(resource);
    return [
      ...differs("Name", p.Name, validator.name),
      ...differs("ValidateRequestParameters", Boolean(p.ValidateRequestParameters), Boolean(validator.validateRequestParameters)),
      ...differs("ValidateRequestBody", Boolean(p.ValidateRequestBody), Boolean(validator.validateRequestBody)),
    ];
  },
});

const alarm = verifier({
  async observe({ physicalId }, { cloudWatch }) {
    const { MetricAlarms = [] } = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [physicalId] }));
    return MetricAlarms.find((described) => described.AlarmName === physicalId);
  },
  compare(resource, described) {
    const p = props(resource);
    return [
      ...differs("Threshold", p.Threshold, described.Threshold),
      ...differs("ComparisonOperator", p.ComparisonOperator, described.ComparisonOperator),
      ...differs("EvaluationPeriods", p.EvaluationPeriods, described.EvaluationPeriods),
      ...differs("AlarmActions", p.AlarmActions, described.AlarmActions),
      ...differs("MetricName", p.MetricName, described.MetricName),
      ...differs("Namespace", p.Namespace, described.Namespace),
      ...differs("TreatMissingData", p.TreatMissingData, described.TreatMissingData),
      ...differs(
        "Metrics (ids and expressions)",
        p.Metrics?.map((m: { Id: string; Expression?: string }) => [m.Id, m.Expression ?? null]),
        described.Metrics?.map((m) => [m.Id, m.Expression ?? null]),
      ),
    ];
  },
  attributes: {
    Arn: async (physicalId, { cloudWatch }) =>
      String((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [physicalId] }))).MetricAlarms?.[0]?.AlarmArn),
  },
});

const dashboard = verifier({
  async observe({ physicalId }, { cloudWatch }) {
    return absentOn(["ResourceNotFound", "ResourceNotFoundException", "DashboardNotFoundError"], () =>
      cloudWatch.send(new GetDashboardCommand({ DashboardName: physicalId })),
    );
  },
  compare(resource, described) {
    return differs("DashboardBody", parsed(props(resource).DashboardBody), parsed(described.DashboardBody));
  },
});

const codeDeployApplication = verifier({
  async observe({ physicalId }, { codeDeploy }) {
    return (await absentOn(["ApplicationDoesNotExistException"], () => codeDeploy.send(new GetApplicationCommand({ applicationName: physicalId }))))
      ?.application;
  },
  compare(resource, application) {
    return differs("ComputePlatform", props(resource).ComputePlatform, application.computePlatform);
  },
});

const codeDeployConfig = verifier({
  async observe({ physicalId }, { codeDeploy }) {
    return (
      await absentOn(["DeploymentConfigDoesNotExistException"], () => codeDeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: physicalId })))
    )?.deploymentConfigInfo;
  },
  compare(resource, config) {
    const canary = props(resource).TrafficRoutingConfig?.TimeBasedCanary;
    return [
      ...differs("ComputePlatform", props(resource).ComputePlatform, config.computePlatform),
      ...differs("TrafficRoutingConfig.Type", props(resource).TrafficRoutingConfig?.Type, config.trafficRoutingConfig?.type),
      ...differs("TimeBasedCanary.CanaryPercentage", canary?.CanaryPercentage, config.trafficRoutingConfig?.timeBasedCanary?.canaryPercentage),
      ...differs("TimeBasedCanary.CanaryInterval", canary?.CanaryInterval, config.trafficRoutingConfig?.timeBasedCanary?.canaryInterval),
    ];
  },
});

const codeDeployGroup = verifier({
  async observe(resource, { codeDeploy }) {
    return (
      await absentOn(["DeploymentGroupDoesNotExistException", "ApplicationDoesNotExistException"], () =>
        codeDeploy.send(new GetDeploymentGroupCommand({ applicationName: String(props(resource).ApplicationName), deploymentGroupName: resource.physicalId })),
      )
    )?.deploymentGroupInfo;
  },
  compare(resource, group) {
    const p = props(resource);
    return [
      ...differs("DeploymentConfigName", p.DeploymentConfigName, group.deploymentConfigName),
      ...differs("ServiceRoleArn", p.ServiceRoleArn, group.serviceRoleArn),
      ...differs(
        "AlarmConfiguration.Alarms",
        p.AlarmConfiguration?.Alarms?.map((a: { Name: string }) => a.Name),
        group.alarmConfiguration?.alarms?.map((a) => a.name),
      ),
      ...differs("AlarmConfiguration.Enabled", p.AlarmConfiguration?.Enabled, group.alarmConfiguration?.enabled),
      ...differs("AutoRollbackConfiguration.Events", p.AutoRollbackConfiguration?.Events, group.autoRollbackConfiguration?.events),
      ...differs("DeploymentStyle.DeploymentType", p.DeploymentStyle?.DeploymentType, group.deploymentStyle?.deploymentType),
    ];
  },
});

const bucketTags = async (bucket: string, clients: EmulatorClients) =>
  Object.fromEntries(
    ((await absentOn(["NoSuchTagSet", "NoSuchBucket"], () => clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))))?.TagSet ?? []).map((tag) => [
      tag.Key,
      tag.Value,
    ]),
  );

const bucket = verifier({
  async observe({ physicalId }, clients) {
    const head = await absentOn(["NotFound", "NoSuchBucket"], () => clients.s3.send(new HeadBucketCommand({ Bucket: physicalId })));
    if (!head) return undefined;
    const versioning = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: physicalId }));
    return { tags: await bucketTags(physicalId, clients), versioning: versioning.Status };
  },
  compare(resource, observed) {
    const p = props(resource);
    const declared = Object.fromEntries(((p.Tags ?? []) as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]));
    return [
      ...differs("VersioningConfiguration.Status", p.VersioningConfiguration?.Status, observed.versioning),
      ...Object.entries(declared).flatMap(([key, value]) => differs(`Tags.${key}`, value, observed.tags[key])),
    ];
  },
  attributes: {
    Arn: async (physicalId) => `arn:aws:s3:::${physicalId}`,
    RegionalDomainName: async (physicalId) => `${physicalId}.s3.us-east-1.amazonaws.com`,
  },
});

const bucketPolicy = verifier({
  async observe(resource, { s3 }) {
    const policy = await absentOn(["NoSuchBucketPolicy", "NoSuchBucket"], () =>
      s3.send(new GetBucketPolicyCommand({ Bucket: String(props(resource).Bucket) })),
    );
    return policy?.Policy ? parsed(policy.Policy) : undefined;
  },
  compare(resource, policy) {
    return differs("PolicyDocument", props(resource).PolicyDocument, policy);
  },
});

const repository = verifier({
  async observe({ physicalId }, { ecr }) {
    const { repositories = [] } =
      (await absentOn(["RepositoryNotFoundException"], () => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [physicalId] })))) ?? {};
    return repositories[0];
  },
  compare(resource, described) {
    const p = props(resource);
    return [
      ...differs("ImageTagMutability", p.ImageTagMutability, described.imageTagMutability),
      ...differs("ImageScanningConfiguration.ScanOnPush", p.ImageScanningConfiguration?.ScanOnPush, described.imageScanningConfiguration?.scanOnPush),
    ];
  },
  attributes: {
    Arn: async (physicalId, { ecr }) =>
      String((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [physicalId] }))).repositories?.[0]?.repositoryArn),
  },
});

const rule = verifier({
  async observe({ physicalId }, { events }) {
    const described = await absentOn(["ResourceNotFoundException"], () => events.send(new DescribeRuleCommand({ Name: physicalId })));
    if (!described) return undefined;
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: physicalId }));
    return { described, targets: Targets };
  },
  compare(resource, { described, targets }) {
    const p = props(resource);
    return [
      ...differs("EventPattern", p.EventPattern, parsed(described.EventPattern)),
      ...differs("State", p.State ?? "ENABLED", described.State),
      ...differs(
        "Targets",
        ((p.Targets ?? []) as { Id: string; Arn: string }[]).map((t) => [t.Id, t.Arn]),
        targets.map((t) => [t.Id, t.Arn]),
      ),
    ];
  },
  attributes: {
    Arn: async (physicalId, { events }) => String((await events.send(new DescribeRuleCommand({ Name: physicalId }))).Arn),
  },
});

/**
 * CDK's auto-delete-objects custom resource: its handler (performed natively by the emulator) empties the
 * bucket it names on delete, and only when the bucket carries this tag. It exists for as long as that bucket
 * is there and tagged for it.
 */
const autoDeleteObjects = verifier({
  async observe(resource, clients) {
    const name = String(props(resource).BucketName);
    const head = await absentOn(["NotFound", "NoSuchBucket"], () => clients.s3.send(new HeadBucketCommand({ Bucket: name })));
    return head && (await bucketTags(name, clients))["aws-cdk:auto-delete-objects"] === "true" ? { bucket: name } : undefined;
  },
  compare() {
    return [];
  },
});

const samplingRule = verifier({
  async observe({ physicalId }, { xray }) {
    const { SamplingRuleRecords = [] } = await xray.send(new GetSamplingRulesCommand({}));
    return SamplingRuleRecords.find((record) => record.SamplingRule?.RuleARN === physicalId)?.SamplingRule;
  },
  compare(resource, rule) {
    const declared = props(resource).SamplingRule ?? {};
    return ["RuleName", "Priority", "FixedRate", "ReservoirSize", "ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath", "ResourceARN"].flatMap((key) =>
      differs(key, declared[key], rule[key as keyof typeof rule]),
    );
  },
});

/**
 * Every resource type the checker can read back. A template resource of any other type fails the
 * check: the checker never passes a resource it cannot see.
 */
// biome-ignore lint/suspicious/noExplicitAny: each verifier observes its own service's shape
export const verifiers: Readonly<Record<string, Verifier<any>>> = {
  "AWS::DynamoDB::Table": table,
  "AWS::ApplicationAutoScaling::ScalableTarget": scalableTarget,
  "AWS::ApplicationAutoScaling::ScalingPolicy": scalingPolicy,
  "AWS::SSM::Parameter": ssmParameter,
  "AWS::SecretsManager::Secret": secret,
  "AWS::SNS::Topic": topic,
  "AWS::SNS::TopicPolicy": topicPolicy,
  "AWS::SNS::Subscription": subscription,
  "AWS::Lambda::Function": lambdaFunction,
  "AWS::Lambda::Version": lambdaVersion,
  "AWS::Lambda::Alias": lambdaAlias,
  "AWS::Lambda::Permission": lambdaPermission,
  "AWS::Lambda::EventInvokeConfig": lambdaEventInvokeConfig,
  "AWS::Logs::LogGroup": logGroup,
  "AWS::IAM::Role": role,
  "AWS::IAM::Policy": rolePolicy,
  "AWS::ApiGateway::RestApi": restApi,
  "AWS::ApiGateway::Resource": apiResource,
  "AWS::ApiGateway::Method": apiMethod,
  "AWS::ApiGateway::Deployment": apiDeployment,
  "AWS::ApiGateway::Stage": apiStage,
  "AWS::ApiGateway::Authorizer": apiAuthorizer,
  "AWS::ApiGateway::GatewayResponse": gatewayResponse,
  "AWS::ApiGateway::RequestValidator": requestValidator,
  "AWS::CloudWatch::Alarm": alarm,
  "AWS::CloudWatch::Dashboard": dashboard,
  "AWS::CodeDeploy::Application": codeDeployApplication,
  "AWS::CodeDeploy::DeploymentConfig": codeDeployConfig,
  "AWS::CodeDeploy::DeploymentGroup": codeDeployGroup,
  "AWS::XRay::SamplingRule": samplingRule,
  "AWS::Events::Rule": rule,
  // The bootstrap stacks' (CDKToolkit from `cdk bootstrap`, SSTBootstrap from SST).
  "AWS::S3::Bucket": bucket,
  "AWS::S3::BucketPolicy": bucketPolicy,
  "AWS::ECR::Repository": repository,
  "Custom::S3AutoDeleteObjects": autoDeleteObjects,
};

/** The function's code is the object `sst deploy` uploaded: its SHA-256 equals the function's CodeSha256. */
export async function codeMatchesAsset(resource: DeployedResource, clients: EmulatorClients): Promise<string[]> {
  const code = props(resource).Code as { S3Bucket?: string; S3Key?: string } | undefined;
  if (!code?.S3Bucket || !code.S3Key) return [];
  const object = await absentOn(["NoSuchKey", "NoSuchBucket"], () => clients.s3.send(new GetObjectCommand({ Bucket: code.S3Bucket, Key: code.S3Key })));
  if (!object?.Body) return [`Code: asset s3://${code.S3Bucket}/${code.S3Key} was not uploaded`];
  const digest = createHash("sha256")
    .update(await object.Body.transformToByteArray())
    .digest("base64");
  const { Configuration } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: resource.physicalId }));
  return differs("Code (SHA-256 of the uploaded asset)", digest, Configuration?.CodeSha256);
}
