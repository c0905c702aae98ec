import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { XRayClient } from "@aws-sdk/client-xray";

/** Where the checker reads what was deployed: the emulator's endpoint, region and (fake) credentials. */
export interface EmulatorAccess {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** One SDK client per service the templates use, all pointed at the emulator. */
export function emulatorClients(access: EmulatorAccess) {
  const config = { endpoint: access.endpoint, region: access.region, credentials: access.credentials, maxAttempts: 2 };
  const clients = {
    apiGateway: new APIGatewayClient(config),
    autoScaling: new ApplicationAutoScalingClient(config),
    cloudFormation: new CloudFormationClient(config),
    cloudWatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    codeDeploy: new CodeDeployClient(config),
    dynamoDb: new DynamoDBClient(config),
    ecr: new ECRClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    secretsManager: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    ssm: new SSMClient(config),
    xray: new XRayClient(config),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

export type EmulatorClients = ReturnType<typeof emulatorClients>;
