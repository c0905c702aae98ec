import { GetAuthorizersCommand, GetGatewayResponseCommand, GetMethodCommand, GetRequestValidatorsCommand, GetStageCommand } from "@aws-sdk/client-api-gateway";
import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand } from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetAliasCommand, GetFunctionConfigurationCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import { GetBucketVersioningCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetParameterCommand, ListTagsForResourceCommand } from "@aws-sdk/client-ssm";
import { GetSamplingRulesCommand } from "@aws-sdk/client-xray";
import { describe, expect, it } from "vitest";
import { useRehearsalEmulator, type Template } from "./helpers/emulator.js";

/** Each resource model the extension adds to moto, created by CloudFormation and read back through its own service's API. */
const cfn = useRehearsalEmulator();
const output = (stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }, key: string) =>
  String(stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue);
const absent = async (read: () => Promise<unknown>) =>
  read().then(
    () => false,
    () => true,
  );

const lambdaRole = {
  Type: "AWS::IAM::Role",
  Properties: {
    AssumeRolePolicyDocument: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
  },
};
const lambdaFunction = (code = "exports.handler = async () => 1;") => ({
  Type: "AWS::Lambda::Function",
  Properties: {
    Runtime: "nodejs22.x",
    Handler: "index.handler",
    Role: { "Fn::GetAtt": ["Role", "Arn"] },
    Code: { ZipFile: code },
    Architectures: ["arm64"],
    TracingConfig: { Mode: "Active" },
    LoggingConfig: { LogGroup: { Ref: "Logs" } },
  },
});

describe("resource models the rehearsal adds to moto", () => {
  it("Lambda: the function's architecture, tracing and log group; a version; an alias with its own resource policy", async () => {
    const stack = await cfn.createStack("lambda", {
      Resources: {
        Role: lambdaRole,
        Logs: { Type: "AWS::Logs::LogGroup", Properties: { RetentionInDays: 14 } },
        Fn: lambdaFunction(),
        Version: { Type: "AWS::Lambda::Version", Properties: { FunctionName: { Ref: "Fn" } } },
        Live: {
          Type: "AWS::Lambda::Alias",
          Properties: { FunctionName: { Ref: "Fn" }, FunctionVersion: { "Fn::GetAtt": ["Version", "Version"] }, Name: "live" },
        },
        Invoke: {
          Type: "AWS::Lambda::Permission",
          Properties: {
            Action: "lambda:InvokeFunction",
            FunctionName: { Ref: "Live" },
            Principal: "apigateway.amazonaws.com",
            SourceArn: "arn:aws:execute-api:us-east-1:123456789012:api/*",
          },
        },
      },
      Outputs: {
        Fn: { Value: { Ref: "Fn" } },
        Alias: { Value: { Ref: "Live" } },
        Logs: { Value: { "Fn::GetAtt": ["Logs", "Arn"] } },
        Permission: { Value: { Ref: "Invoke" } },
      },
    });
    const { lambda, logs } = cfn.clients();
    const fn = output(stack, "Fn");

    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect([configuration.Architectures, configuration.TracingConfig?.Mode, configuration.LoggingConfig?.LogGroup]).toEqual([
      ["arm64"],
      "Active",
      expect.stringContaining("Logs"),
    ]);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
    expect([alias.AliasArn, alias.FunctionVersion]).toEqual([output(stack, "Alias"), "1"]);
    const policy = JSON.parse(String((await lambda.send(new GetPolicyCommand({ FunctionName: fn, Qualifier: "live" }))).Policy)) as {
      Statement: { Sid: string }[];
    };
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual([output(stack, "Permission")]);
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: configuration.LoggingConfig?.LogGroup }));
    expect(output(stack, "Logs")).toBe(logGroups[0]?.arn);
    expect(output(stack, "Logs")).toMatch(/:\*$/);

    await cfn.deleteStack("lambda");
    expect(await absent(() => lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" })))).toBe(true);
  });

  it("Secrets Manager: a secret named after its logical id, scheduled for deletion with the stack", async () => {
    const stack = await cfn.createStack("secret", {
      Resources: { Keys: { Type: "AWS::SecretsManager::Secret", Properties: { Description: "keys", SecretString: '{"keys":[]}' } } },
      Outputs: { Arn: { Value: { Ref: "Keys" } } },
    });
    const { secretsManager } = cfn.clients();
    const arn = output(stack, "Arn");

    const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: arn }));
    expect([described.Name?.startsWith("Keys-"), described.Description]).toEqual([true, "keys"]);
    expect((await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('{"keys":[]}');

    await cfn.deleteStack("secret");
    expect((await secretsManager.send(new DescribeSecretCommand({ SecretId: arn }))).DeletedDate).toBeDefined();
  });

  it("DynamoDB and Application Auto Scaling: encryption, TTL and PITR on the table; targets and policies; a capacity update", async () => {
    const template = (max: number): Template => ({
      Resources: {
        Table: {
          Type: "AWS::DynamoDB::Table",
          Properties: {
            TableName: "resources-table",
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            SSESpecification: { SSEEnabled: true },
            TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: false,
          },
        },
        Target: {
          Type: "AWS::ApplicationAutoScaling::ScalableTarget",
          Properties: {
            ServiceNamespace: "dynamodb",
            ResourceId: "table/resources-table",
            ScalableDimension: "dynamodb:table:ReadCapacityUnits",
            MinCapacity: 1,
            MaxCapacity: max,
          },
          DependsOn: "Table",
        },
        Policy: {
          Type: "AWS::ApplicationAutoScaling::ScalingPolicy",
          Properties: {
            PolicyName: "read-tracking",
            PolicyType: "TargetTrackingScaling",
            ScalingTargetId: { Ref: "Target" },
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 70,
              PredefinedMetricSpecification: { PredefinedMetricType: "DynamoDBReadCapacityUtilization" },
            },
          },
        },
      },
      Outputs: { Target: { Value: { Ref: "Target" } }, Policy: { Value: { Ref: "Policy" } } },
    });
    const stack = await cfn.createStack("autoscaling", template(10));
    const { dynamoDb, autoScaling } = cfn.clients();

    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: "resources-table" }));
    expect(Table?.SSEDescription?.Status).toBe("ENABLED");
    expect((await dynamoDb.send(new DescribeTimeToLiveCommand({ TableName: "resources-table" }))).TimeToLiveDescription?.TimeToLiveStatus).toBe("ENABLED");
    const backups = await dynamoDb.send(new DescribeContinuousBackupsCommand({ TableName: "resources-table" }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
    expect(output(stack, "Target")).toBe("table/resources-table|dynamodb:table:ReadCapacityUnits|dynamodb");
    const { ScalingPolicies = [] } = await autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "dynamodb" }));
    expect(ScalingPolicies.map((policy) => [policy.PolicyARN, policy.TargetTrackingScalingPolicyConfiguration?.TargetValue])).toEqual([
      [output(stack, "Policy"), 70],
    ]);

    const updated = await cfn.updateStack("autoscaling", template(20));
    expect(updated.StackStatus).toBe("UPDATE_COMPLETE");
    const { ScalableTargets = [] } = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "dynamodb" }));
    expect(ScalableTargets.map((target) => target.MaxCapacity)).toEqual([20]);

    await cfn.deleteStack("autoscaling");
    expect((await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "dynamodb" }))).ScalableTargets).toEqual([]);
    expect((await autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "dynamodb" }))).ScalingPolicies).toEqual([]);
  });

  it("CloudWatch: an alarm on a math expression, updated in place", async () => {
    const alarm = (threshold: number): Template => ({
      Resources: {
        Alarm: {
          Type: "AWS::CloudWatch::Alarm",
          Properties: {
            AlarmName: "resources-5xx-rate",
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
            EvaluationPeriods: 1,
            Threshold: threshold,
            TreatMissingData: "notBreaching",
            Metrics: [
              { Id: "expr", Expression: "100 * errors", ReturnData: true },
              { Id: "errors", MetricStat: { Metric: { Namespace: "AWS/ApiGateway", MetricName: "5XXError" }, Period: 60, Stat: "Average" }, ReturnData: false },
            ],
          },
        },
      },
      Outputs: { Arn: { Value: { "Fn::GetAtt": ["Alarm", "Arn"] } } },
    });
    const stack = await cfn.createStack("alarm", alarm(1));
    await cfn.updateStack("alarm", alarm(5));
    const { MetricAlarms = [] } = await cfn.clients().cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ["resources-5xx-rate"] }));

    expect(MetricAlarms.map((described) => [described.AlarmArn, described.Threshold, described.Metrics?.map((metric) => metric.Id)])).toEqual([
      [output(stack, "Arn"), 5, ["expr", "errors"]],
    ]);
    await cfn.deleteStack("alarm");
    expect((await cfn.clients().cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ["resources-5xx-rate"] }))).MetricAlarms).toEqual([]);
  });

  it("API Gateway: authorizer, validator, method wired to both, stage settings, gateway response", async () => {
    const stack = await cfn.createStack("api", {
      Resources: {
        Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "resources-api", EndpointConfiguration: { Types: ["REGIONAL"] } } },
        Users: {
          Type: "AWS::ApiGateway::Resource",
          Properties: { RestApiId: { Ref: "Api" }, ParentId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, PathPart: "users" },
        },
        Authorizer: {
          Type: "AWS::ApiGateway::Authorizer",
          Properties: {
            RestApiId: { Ref: "Api" },
            Name: "keys",
            Type: "REQUEST",
            IdentitySource: "method.request.header.x-api-key",
            AuthorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/fn",
            AuthorizerResultTtlInSeconds: 300,
          },
        },
        Validator: {
          Type: "AWS::ApiGateway::RequestValidator",
          Properties: { RestApiId: { Ref: "Api" }, Name: "required-parameters", ValidateRequestParameters: true },
        },
        Get: {
          Type: "AWS::ApiGateway::Method",
          Properties: {
            RestApiId: { Ref: "Api" },
            ResourceId: { Ref: "Users" },
            HttpMethod: "GET",
            AuthorizationType: "CUSTOM",
            AuthorizerId: { Ref: "Authorizer" },
            RequestValidatorId: { Ref: "Validator" },
            RequestParameters: { "method.request.header.x-api-key": true },
            Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST", Uri: "arn:aws:apigateway:us-east-1:lambda:path/get" },
          },
        },
        Unauthorized: {
          Type: "AWS::ApiGateway::GatewayResponse",
          Properties: {
            RestApiId: { Ref: "Api" },
            ResponseType: "UNAUTHORIZED",
            StatusCode: "401",
            ResponseTemplates: { "application/json": '{"status":401}' },
          },
        },
        Deployment: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" } }, DependsOn: ["Get"] },
        Stage: {
          Type: "AWS::ApiGateway::Stage",
          Properties: {
            RestApiId: { Ref: "Api" },
            DeploymentId: { Ref: "Deployment" },
            StageName: "rehearsal",
            TracingEnabled: true,
            MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }],
          },
        },
      },
      Outputs: { Api: { Value: { Ref: "Api" } }, Users: { Value: { Ref: "Users" } }, Deployment: { Value: { Ref: "Deployment" } } },
    });
    const { apiGateway } = cfn.clients();
    const restApiId = output(stack, "Api");

    const { items: authorizers = [] } = await apiGateway.send(new GetAuthorizersCommand({ restApiId }));
    const { items: validators = [] } = await apiGateway.send(new GetRequestValidatorsCommand({ restApiId }));
    const method = await apiGateway.send(new GetMethodCommand({ restApiId, resourceId: output(stack, "Users"), httpMethod: "GET" }));
    expect([method.authorizerId, method.requestValidatorId, method.methodIntegration?.type]).toEqual([authorizers[0]?.id, validators[0]?.id, "AWS_PROXY"]);
    const stage = await apiGateway.send(new GetStageCommand({ restApiId, stageName: "rehearsal" }));
    expect([stage.deploymentId, stage.tracingEnabled, stage.methodSettings?.["*/*"]?.throttlingRateLimit]).toEqual([output(stack, "Deployment"), true, 20]);
    const response = await apiGateway.send(new GetGatewayResponseCommand({ restApiId, responseType: "UNAUTHORIZED" }));
    expect([response.statusCode, response.defaultResponse]).toEqual(["401", false]);

    await cfn.deleteStack("api");
    expect(await absent(() => apiGateway.send(new GetStageCommand({ restApiId, stageName: "rehearsal" })))).toBe(true);
  });

  it("SNS: a topic policy replaces the default one and goes with the stack; a subscription", async () => {
    const document = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: "*" }],
    };
    const stack = await cfn.createStack("sns", {
      Resources: {
        Topic: { Type: "AWS::SNS::Topic", Properties: { TopicName: "resources-alarms" } },
        Policy: { Type: "AWS::SNS::TopicPolicy", Properties: { Topics: [{ Ref: "Topic" }], PolicyDocument: document } },
        Mail: { Type: "AWS::SNS::Subscription", Properties: { TopicArn: { Ref: "Topic" }, Protocol: "email", Endpoint: "on-call@example.com" } },
      },
      Outputs: { Topic: { Value: { Ref: "Topic" } }, Subscription: { Value: { Ref: "Mail" } } },
    });
    const { sns } = cfn.clients();

    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: output(stack, "Topic") }));
    expect(JSON.parse(String(Attributes?.Policy))).toEqual(document);
    const subscription = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: output(stack, "Subscription") }));
    expect([subscription.Attributes?.Protocol, subscription.Attributes?.Endpoint]).toEqual(["email", "on-call@example.com"]);

    await cfn.deleteStack("sns");
    expect(await absent(() => sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: output(stack, "Subscription") })))).toBe(true);
  });

  it("CodeDeploy: application, canary config and group through its own API; an alias update is a deployment of the group", async () => {
    const template = (code: string): Template => ({
      Resources: {
        Role: lambdaRole,
        Logs: { Type: "AWS::Logs::LogGroup", Properties: {} },
        Fn: lambdaFunction(code),
        [`Version${code.length}`]: { Type: "AWS::Lambda::Version", Properties: { FunctionName: { Ref: "Fn" } }, DeletionPolicy: "Retain" },
        App: { Type: "AWS::CodeDeploy::Application", Properties: { ApplicationName: "resources-deployments", ComputePlatform: "Lambda" } },
        Canary: {
          Type: "AWS::CodeDeploy::DeploymentConfig",
          Properties: {
            ComputePlatform: "Lambda",
            TrafficRoutingConfig: { Type: "TimeBasedCanary", TimeBasedCanary: { CanaryPercentage: 10, CanaryInterval: 5 } },
          },
        },
        Group: {
          Type: "AWS::CodeDeploy::DeploymentGroup",
          Properties: {
            ApplicationName: { Ref: "App" },
            DeploymentConfigName: { Ref: "Canary" },
            ServiceRoleArn: { "Fn::GetAtt": ["Role", "Arn"] },
            AlarmConfiguration: { Enabled: true, Alarms: [{ Name: "resources-errors" }] },
            AutoRollbackConfiguration: { Enabled: true, Events: ["DEPLOYMENT_FAILURE"] },
            DeploymentStyle: { DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL" },
          },
        },
        Live: {
          Type: "AWS::Lambda::Alias",
          Properties: { FunctionName: { Ref: "Fn" }, FunctionVersion: { "Fn::GetAtt": [`Version${code.length}`, "Version"] }, Name: "live" },
          UpdatePolicy: { CodeDeployLambdaAliasUpdate: { ApplicationName: { Ref: "App" }, DeploymentGroupName: { Ref: "Group" } } },
        },
      },
      Outputs: { Group: { Value: { Ref: "Group" } }, Canary: { Value: { Ref: "Canary" } } },
    });
    const stack = await cfn.createStack("codedeploy", template("exports.handler = async () => 1;"));
    const { codeDeploy } = cfn.clients();
    const group = output(stack, "Group");

    expect((await codeDeploy.send(new GetApplicationCommand({ applicationName: "resources-deployments" }))).application?.computePlatform).toBe("Lambda");
    const config = await codeDeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: output(stack, "Canary") }));
    expect(config.deploymentConfigInfo?.trafficRoutingConfig?.timeBasedCanary).toEqual({ canaryPercentage: 10, canaryInterval: 5 });
    const described = await codeDeploy.send(new GetDeploymentGroupCommand({ applicationName: "resources-deployments", deploymentGroupName: group }));
    expect([described.deploymentGroupInfo?.deploymentConfigName, described.deploymentGroupInfo?.alarmConfiguration?.alarms]).toEqual([
      output(stack, "Canary"),
      [{ name: "resources-errors" }],
    ]);

    await cfn.updateStack("codedeploy", template("exports.handler = async () => 'two';"));
    const { deployments = [] } = await codeDeploy.send(new ListDeploymentsCommand({ applicationName: "resources-deployments", deploymentGroupName: group }));
    expect(deployments).toHaveLength(1);
    const deployment = await codeDeploy.send(new GetDeploymentCommand({ deploymentId: deployments[0] }));
    expect(deployment.deploymentInfo?.status).toBe("Succeeded");

    await cfn.deleteStack("codedeploy");
    expect(await absent(() => codeDeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: output(stack, "Canary") })))).toBe(true);
    expect(await absent(() => codeDeploy.send(new GetApplicationCommand({ applicationName: "resources-deployments" })))).toBe(true);
  });

  it("SSM: a parameter with tags as a map, as CDK writes them", async () => {
    const stack = await cfn.createStack("ssm", {
      Resources: {
        Value: { Type: "AWS::SSM::Parameter", Properties: { Name: "/resources/tagged", Type: "String", Value: "x", Tags: { "sst:stage": "rehearsal" } } },
      },
    });
    const { ssm } = cfn.clients();

    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect((await ssm.send(new GetParameterCommand({ Name: "/resources/tagged" }))).Parameter?.Value).toBe("x");
    expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/resources/tagged" }))).TagList).toEqual([
      { Key: "sst:stage", Value: "rehearsal" },
    ]);
  });

  it("S3: versioning; a bucket policy denying insecure transport admits the SDK's requests; CDK's auto-delete empties a tagged bucket on delete", async () => {
    const bucket = "resources-auto-delete";
    await cfn.createStack("s3", {
      Resources: {
        Bucket: {
          Type: "AWS::S3::Bucket",
          Properties: { BucketName: bucket, VersioningConfiguration: { Status: "Enabled" }, Tags: [{ Key: "aws-cdk:auto-delete-objects", Value: "true" }] },
        },
        Policy: {
          Type: "AWS::S3::BucketPolicy",
          Properties: {
            Bucket: { Ref: "Bucket" },
            PolicyDocument: {
              Statement: [
                {
                  Effect: "Deny",
                  Principal: { AWS: "*" },
                  Action: "s3:*",
                  Resource: [`arn:aws:s3:::${bucket}/*`],
                  Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
              ],
            },
          },
        },
        AutoDelete: {
          Type: "Custom::S3AutoDeleteObjects",
          Properties: { ServiceToken: "arn:aws:lambda:us-east-1:123456789012:function:provider", BucketName: { Ref: "Bucket" } },
          DependsOn: "Policy",
        },
      },
    });
    const { s3 } = cfn.clients();

    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "asset.zip", Body: "zip" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "asset.zip" }))).Body?.transformToString()).toBe("zip");
    await cfn.deleteStack("s3");
    expect(
      await absent(() => s3.send(new ListObjectsV2Command({ Bucket: bucket })).then(({ KeyCount }) => (KeyCount ? Promise.resolve() : Promise.reject()))),
    ).toBe(true);
  });

  it("EventBridge: a final stack status reaches SST's bootstrap metadata function, performed natively, which keeps the stack's metadata in its bucket", async () => {
    const bucket = "resources-sst-metadata";
    await cfn.createStack("sst-bootstrap", {
      Resources: {
        Bucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: bucket } },
        Role: lambdaRole,
        Logs: { Type: "AWS::Logs::LogGroup", Properties: {} },
        MetadataHandler0F4E4E4D: {
          ...lambdaFunction(),
          Properties: { ...lambdaFunction().Properties, Environment: { Variables: { BUCKET_NAME: { Ref: "Bucket" } } } },
        },
        Rule: {
          Type: "AWS::Events::Rule",
          Properties: {
            EventPattern: { source: ["aws.cloudformation"], "detail-type": ["CloudFormation Stack Status Change"] },
            Targets: [{ Id: "handler", Arn: { "Fn::GetAtt": ["MetadataHandler0F4E4E4D", "Arn"] } }],
          },
        },
      },
    });
    const metadata = { app: "users-api", stage: "rehearsal", version: "2.49.8", metadata: [{ id: "ListUsers", type: "Function" }] };
    const key = "stackMetadata/app.users-api/stage.rehearsal/stack.rehearsal-users-api-Api.json";
    const { s3 } = cfn.clients();

    await cfn.createStack("rehearsal-users-api-Api", {
      Resources: { Value: { Type: "AWS::SSM::Parameter", Properties: { Name: "/resources/metadata", Type: "String", Value: "x" } } },
      Outputs: { SSTMetadata: { Value: JSON.stringify(metadata) } },
    });
    expect(JSON.parse(String(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString()))).toEqual(metadata.metadata);

    await cfn.deleteStack("rehearsal-users-api-Api");
    expect(await absent(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toBe(true);
  });

  it("X-Ray: a sampling rule through X-Ray's own API, updated in place and deleted with the stack", async () => {
    const rule = (rate: number): Template => ({
      Resources: {
        Rule: {
          Type: "AWS::XRay::SamplingRule",
          Properties: {
            SamplingRule: {
              RuleName: "resources-api",
              Priority: 100,
              FixedRate: rate,
              ReservoirSize: 1,
              ServiceName: "*",
              ServiceType: "*",
              Host: "*",
              HTTPMethod: "*",
              URLPath: "*",
              ResourceARN: "*",
              Version: 1,
            },
          },
        },
      },
      Outputs: { Arn: { Value: { Ref: "Rule" } } },
    });
    const stack = await cfn.createStack("xray", rule(0.05));
    await cfn.updateStack("xray", rule(0.1));
    const { xray } = cfn.clients();

    const { SamplingRuleRecords = [] } = await xray.send(new GetSamplingRulesCommand({}));
    expect(SamplingRuleRecords.map((record) => [record.SamplingRule?.RuleARN, record.SamplingRule?.FixedRate])).toEqual([[output(stack, "Arn"), 0.1]]);
    await cfn.deleteStack("xray");
    expect((await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords).toEqual([]);
  });
});
