import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type APIGatewayClient, GetAccountCommand } from "@aws-sdk/client-api-gateway";
import { type CloudFormationClient, CreateStackCommand, DescribeStacksCommand, waitUntilStackCreateComplete } from "@aws-sdk/client-cloudformation";

/**
 * What a first `sst deploy` needs of the AWS account itself, beyond what the stacks create: settings
 * that belong to the account (one per account and region), not to one app or stage.
 */

/** The one-time set-up's template for the API Gateway CloudWatch Logs role. */
export const LOGGING_ROLE_TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "infra", "api-gateway-logging-role.yaml");
/** The stack that template is deployed as (once per account and region). */
export const LOGGING_ROLE_STACK = "api-gateway-logging-role";

/** The fix printed with a missing precondition: one command. */
export const SET_UP_COMMAND = "pnpm run account:setup";

/** The account's API Gateway logging role, or undefined when none was ever set. */
export async function apiGatewayLoggingRole(apiGateway: APIGatewayClient): Promise<string | undefined> {
  const { cloudwatchRoleArn } = await apiGateway.send(new GetAccountCommand({}));
  return cloudwatchRoleArn || undefined;
}

/**
 * The account's unmet preconditions, one line each (empty when the first deploy can go ahead).
 * The stacks turn on access logs for every REST API stage, which API Gateway refuses until the
 * account's CloudWatch Logs role is set.
 */
export async function unmetPreconditions(apiGateway: APIGatewayClient, region: string): Promise<string[]> {
  const problems: string[] = [];
  if (!(await apiGatewayLoggingRole(apiGateway))) {
    problems.push(
      `API Gateway has no CloudWatch Logs role in this account (${region}), so it would refuse the stage's access logs: run \`${SET_UP_COMMAND}\` once (infra/README.md).`,
    );
  }
  return problems;
}

/**
 * Sets the account's API Gateway logging role when it has none, by deploying infra/api-gateway-logging-role.yaml;
 * a role already set (by this app or anyone else) is left as it is.
 */
export async function setUpAccount(
  clients: { apiGateway: APIGatewayClient; cloudFormation: CloudFormationClient },
  report: (line: string) => void,
): Promise<void> {
  const existing = await apiGatewayLoggingRole(clients.apiGateway);
  if (existing) {
    report(`API Gateway's CloudWatch Logs role is already set (${existing}): left as it is.`);
    return;
  }
  report(`Setting API Gateway's CloudWatch Logs role: creating stack ${LOGGING_ROLE_STACK} from infra/api-gateway-logging-role.yaml...`);
  await clients.cloudFormation.send(
    new CreateStackCommand({ StackName: LOGGING_ROLE_STACK, TemplateBody: readFileSync(LOGGING_ROLE_TEMPLATE, "utf8"), Capabilities: ["CAPABILITY_IAM"] }),
  );
  await waitUntilStackCreateComplete({ client: clients.cloudFormation, maxWaitTime: 600, minDelay: 1, maxDelay: 10 }, { StackName: LOGGING_ROLE_STACK });
  const { Stacks = [] } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: LOGGING_ROLE_STACK }));
  const role = Stacks[0]?.Outputs?.find((output) => output.OutputKey === "CloudWatchRoleArn")?.OutputValue;
  report(`API Gateway's CloudWatch Logs role is set (${role}).`);
}
