import { GetAccountCommand, UpdateAccountCommand } from "@aws-sdk/client-api-gateway";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { setUpAccount, unmetPreconditions } from "../../../scripts/account/preconditions.js";
import { useRehearsalEmulator, type Template } from "./helpers/emulator.js";

/**
 * The emulator is a fresh account, and refuses what API Gateway refuses on one: a REST API stage with access
 * logs while the account's CloudWatch Logs role is unset. The app's one-time set-up (`pnpm run account:setup`)
 * sets it, only when unset.
 */
const cfn = useRehearsalEmulator();

/** A REST API stage with access logs, as the Api stack declares it. */
const loggedStage: Template = {
  Resources: {
    Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "logged" } },
    Method: {
      Type: "AWS::ApiGateway::Method",
      Properties: {
        RestApiId: { Ref: "Api" },
        ResourceId: { "Fn::GetAtt": ["Api", "RootResourceId"] },
        HttpMethod: "GET",
        AuthorizationType: "NONE",
        Integration: { Type: "MOCK" },
      },
    },
    Deployment: { Type: "AWS::ApiGateway::Deployment", DependsOn: ["Method"], Properties: { RestApiId: { Ref: "Api" } } },
    AccessLogs: { Type: "AWS::Logs::LogGroup", Properties: { RetentionInDays: 14 } },
    Stage: {
      Type: "AWS::ApiGateway::Stage",
      Properties: {
        RestApiId: { Ref: "Api" },
        DeploymentId: { Ref: "Deployment" },
        StageName: "prod",
        AccessLogSetting: { DestinationArn: { "Fn::GetAtt": ["AccessLogs", "Arn"] }, Format: "$context.requestId" },
      },
    },
  },
};

const roleTrusting = (service: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

describe("a fresh account's API Gateway logging role", () => {
  it("refuses a stage with access logs until the account's CloudWatch Logs role is set, naming the stage", async () => {
    const stack = await cfn.createStack("logged-on-fresh-account", loggedStage);

    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    const failed = (await cfn.events("logged-on-fresh-account")).find(
      (event) => event.ResourceStatus === "CREATE_FAILED" && event.LogicalResourceId === "Stage",
    );
    expect(failed?.ResourceStatusReason).toContain("CloudWatch Logs role ARN must be set in account settings to enable logging");
    expect(await unmetPreconditions(cfn.clients().apiGateway, "us-east-1")).toEqual([
      "API Gateway has no CloudWatch Logs role in this account (us-east-1), so it would refuse the stage's access logs: run `pnpm run account:setup` once (infra/README.md).",
    ]);
  });

  it("refuses a role API Gateway cannot assume, as UpdateAccount does", async () => {
    const { Role } = await cfn
      .clients()
      .iam.send(new CreateRoleCommand({ RoleName: "lambda-only", AssumeRolePolicyDocument: roleTrusting("lambda.amazonaws.com") }));

    await expect(
      cfn.clients().apiGateway.send(new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn", value: Role?.Arn }] })),
    ).rejects.toThrow("The role ARN does not have required permissions set to API Gateway");
  });

  it("account:setup sets the role from infra/api-gateway-logging-role.yaml; the stage then deploys; a role already set is left as it is", async () => {
    const { apiGateway, cloudFormation, iam } = cfn.clients();
    const lines: string[] = [];

    await setUpAccount({ apiGateway, cloudFormation }, (line) => lines.push(line));

    const { cloudwatchRoleArn } = await apiGateway.send(new GetAccountCommand({}));
    expect(cloudwatchRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\/api-gateway-logging-role-ApiGatewayCloudWatchRole/);
    expect(lines.at(-1)).toBe(`API Gateway's CloudWatch Logs role is set (${cloudwatchRoleArn}).`);
    expect(await unmetPreconditions(apiGateway, "us-east-1")).toEqual([]);
    expect((await cfn.createStack("logged-after-setup", loggedStage)).StackStatus).toBe("CREATE_COMPLETE");

    // Another owner's role (another app's set-up, or the console's): the set-up never replaces it.
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: "someone-elses-logging-role", AssumeRolePolicyDocument: roleTrusting("apigateway.amazonaws.com") }),
    );
    await apiGateway.send(new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn", value: Role?.Arn }] }));
    await setUpAccount({ apiGateway, cloudFormation }, (line) => lines.push(line));
    expect((await apiGateway.send(new GetAccountCommand({}))).cloudwatchRoleArn).toBe(Role?.Arn);
    expect(lines.at(-1)).toBe(`API Gateway's CloudWatch Logs role is already set (${Role?.Arn}): left as it is.`);
  });
});
