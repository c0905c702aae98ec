import {
  CreateChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
} from "@aws-sdk/client-cloudformation";
import { GetAliasCommand, GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { useRehearsalEmulator, type Template } from "./helpers/emulator.js";

/**
 * moto's CloudFormation as the rehearsal extends it: strict about what it cannot create, rolling failed
 * creates back, giving change-set stacks their outputs, updating by resolved properties in dependency
 * order, and never recreating what it deleted.
 */
const cfn = useRehearsalEmulator();

const parameter = (name: string, value: unknown, extra: Record<string, unknown> = {}) => ({
  Type: "AWS::SSM::Parameter",
  Properties: { Name: name, Type: "String", Value: value },
  ...extra,
});

const parameterValue = async (name: string) => {
  try {
    return (await cfn.clients().ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof Error && error.name === "ParameterNotFound") return undefined;
    throw error;
  }
};

const role = {
  Type: "AWS::IAM::Role",
  Properties: {
    AssumeRolePolicyDocument: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
  },
};

/** A function, its current version (logical id named after the code, as CDK names it) and a live alias. */
const functionTemplate = (code: string): Template => ({
  Resources: {
    Role: role,
    Fn: {
      Type: "AWS::Lambda::Function",
      Properties: {
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: { "Fn::GetAtt": ["Role", "Arn"] },
        Architectures: ["arm64"],
        Code: { ZipFile: code },
      },
    },
    [`Version${code.length}`]: {
      Type: "AWS::Lambda::Version",
      Properties: { FunctionName: { Ref: "Fn" } },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    },
    Live: {
      Type: "AWS::Lambda::Alias",
      Properties: { FunctionName: { Ref: "Fn" }, FunctionVersion: { "Fn::GetAtt": [`Version${code.length}`, "Version"] }, Name: "live" },
    },
  },
  Outputs: { FunctionName: { Value: { Ref: "Fn" } } },
});

describe("the rehearsal emulator's CloudFormation", () => {
  it("fails a stack whose template has a type no model serves, names it, and rolls back what it created", async () => {
    const stack = await cfn.createStack("unknown-type", {
      Resources: {
        First: parameter("/engine/unknown-type/first", "created before the failure"),
        Unknown: { Type: "AWS::Rehearsal::Nothing", DependsOn: "First", Properties: {} },
      },
    });

    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    const failed = (await cfn.events("unknown-type")).find((event) => event.LogicalResourceId === "Unknown" && event.ResourceStatus === "CREATE_FAILED");
    expect(failed?.ResourceStatusReason).toMatch(/AWS::Rehearsal::Nothing is not supported/);
    expect(await parameterValue("/engine/unknown-type/first")).toBeUndefined();
  });

  it("fails a stack whose resource cannot be created, with the service's error as the reason", async () => {
    const stack = await cfn.createStack("failing-resource", {
      Resources: {
        Kept: parameter("/engine/failing-resource/first", "x"),
        Alias: { Type: "AWS::Lambda::Alias", DependsOn: "Kept", Properties: { FunctionName: "no-such-function", FunctionVersion: "1", Name: "live" } },
      },
    });

    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    const failed = (await cfn.events("failing-resource")).find((event) => event.ResourceStatus === "CREATE_FAILED" && event.LogicalResourceId === "Alias");
    expect(failed?.ResourceStatusReason).toMatch(/no-such-function/);
    expect(await parameterValue("/engine/failing-resource/first")).toBeUndefined();
  });

  it("fails a Lambda-backed custom resource it has no native implementation of, instead of waiting forever", async () => {
    const stack = await cfn.createStack("custom-resource", {
      Resources: { Custom: { Type: "Custom::Anything", Properties: { ServiceToken: "arn:aws:lambda:us-east-1:123456789012:function:provider" } } },
    });

    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    const failed = (await cfn.events("custom-resource")).find((event) => event.ResourceStatus === "CREATE_FAILED" && event.LogicalResourceId === "Custom");
    expect(failed?.ResourceStatusReason).toMatch(/Custom::Anything is backed by a Lambda function/);
  });

  it("gives a stack created through a change set its outputs and exports", async () => {
    const template: Template = {
      Resources: { Value: parameter("/engine/change-set/value", "from a change set") },
      Outputs: { Name: { Value: { Ref: "Value" }, Export: { Name: "engine-change-set-name" } } },
    };
    const { clients } = cfn;
    await clients().cloudFormation.send(
      new CreateChangeSetCommand({ StackName: "change-set", ChangeSetName: "create", ChangeSetType: "CREATE", TemplateBody: JSON.stringify(template) }),
    );
    await clients().cloudFormation.send(new ExecuteChangeSetCommand({ StackName: "change-set", ChangeSetName: "create" }));

    const stack = (await clients().cloudFormation.send(new DescribeStacksCommand({ StackName: "change-set" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack?.Outputs).toEqual([expect.objectContaining({ OutputKey: "Name", OutputValue: "/engine/change-set/value" })]);
    const { Exports = [] } = await clients().cloudFormation.send(new ListExportsCommand({}));
    expect(Exports).toContainEqual(expect.objectContaining({ Name: "engine-change-set-name", Value: "/engine/change-set/value" }));
  });

  it("updates a function's code, publishes a version, moves the alias after it, and keeps the retained old version", async () => {
    const secondCode = "exports.handler = async () => 'two';";
    await cfn.createStack("function-update", functionTemplate("exports.handler = async () => 1;"));
    const second = await cfn.updateStack("function-update", functionTemplate(secondCode));

    expect(second.StackStatus).toBe("UPDATE_COMPLETE");
    const functionName = second.Outputs?.find((output) => output.OutputKey === "FunctionName")?.OutputValue;
    const alias = await cfn.clients().lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: "live" }));
    expect(alias.FunctionVersion).toBe("2");
    const first = await cfn.clients().lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: "1" }));
    expect(first.Version).toBe("1");
    const { StackResourceSummaries = [] } = await cfn.clients().cloudFormation.send(new ListStackResourcesCommand({ StackName: "function-update" }));
    expect(StackResourceSummaries.map((summary) => summary.LogicalResourceId).sort()).toEqual(["Fn", "Live", "Role", `Version${secondCode.length}`].sort());
  });

  it("updates a resource whose template is unchanged but whose reference now resolves to a replaced resource", async () => {
    const template = (topicName: string): Template => ({
      Resources: {
        Topic: { Type: "AWS::SNS::Topic", Properties: { TopicName: topicName } },
        TopicArn: parameter("/engine/reference/topic-arn", { Ref: "Topic" }),
      },
    });
    await cfn.createStack("reference-update", template("engine-first-topic"));
    await cfn.updateStack("reference-update", template("engine-second-topic"));

    expect(await parameterValue("/engine/reference/topic-arn")).toBe("arn:aws:sns:us-east-1:123456789012:engine-second-topic");
  });

  it("keeps a retained resource the template no longer has, and deletes the others", async () => {
    await cfn.createStack("removed-resources", {
      Resources: {
        Stays: parameter("/engine/removed/stays", "x"),
        Retained: parameter("/engine/removed/retained", "x", { DeletionPolicy: "Retain" }),
        Deleted: parameter("/engine/removed/deleted", "x"),
      },
    });
    const stack = await cfn.updateStack("removed-resources", { Resources: { Stays: parameter("/engine/removed/stays", "x") } });

    expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
    expect(await parameterValue("/engine/removed/retained")).toBe("x");
    expect(await parameterValue("/engine/removed/deleted")).toBeUndefined();
  });

  it("deletes a stack but its retained resources, and never recreates them when the deleted stack is read", async () => {
    const created = await cfn.createStack("deleted-stack", {
      Resources: { Retained: parameter("/engine/deleted/retained", "x", { DeletionPolicy: "Retain" }), Deleted: parameter("/engine/deleted/deleted", "x") },
      Outputs: { Deleted: { Value: { Ref: "Deleted" } } },
    });
    await cfn.deleteStack("deleted-stack");

    const deleted = (await cfn.clients().cloudFormation.send(new DescribeStacksCommand({ StackName: created.StackId }))).Stacks?.[0];
    expect(deleted?.StackStatus).toBe("DELETE_COMPLETE");
    expect(await parameterValue("/engine/deleted/retained")).toBe("x");
    expect(await parameterValue("/engine/deleted/deleted")).toBeUndefined();
    await expect(cfn.describe("deleted-stack")).rejects.toThrow(/does not exist/);
  });

  it("refuses an update that changes nothing, as CloudFormation does", async () => {
    const template: Template = { Resources: { Value: parameter("/engine/no-op/value", "x") } };
    await cfn.createStack("no-op-update", template);

    await expect(cfn.updateStack("no-op-update", template)).rejects.toThrow("No updates are to be performed.");
    expect((await cfn.describe("no-op-update")).StackStatus).toBe("CREATE_COMPLETE");
  });

  it("removes a list element that resolves to AWS::NoValue, and describes a list parameter comma-joined", async () => {
    const stack = await cfn.createStack("no-value", {
      Parameters: { Accounts: { Type: "CommaDelimitedList", Default: "" } },
      Conditions: { HasAccounts: { "Fn::Not": [{ "Fn::Equals": ["", { "Fn::Join": ["", { Ref: "Accounts" }] }] }] } },
      Resources: {
        Value: parameter("/engine/no-value/list", { "Fn::Join": [",", ["first", { "Fn::If": ["HasAccounts", "accounts", { Ref: "AWS::NoValue" }] }, "last"]] }),
      },
    });

    expect(await parameterValue("/engine/no-value/list")).toBe("first,last");
    expect(stack.Parameters).toEqual([{ ParameterKey: "Accounts", ParameterValue: "" }]);
  });

  it("writes CloudFormation's resource events, with each resource's physical id", async () => {
    await cfn.createStack("events", { Resources: { Value: parameter("/engine/events/value", "x") } });

    const events = await cfn.events("events");
    expect(events.filter((event) => event.LogicalResourceId === "Value").map((event) => [event.ResourceStatus, event.PhysicalResourceId])).toEqual([
      ["CREATE_COMPLETE", "/engine/events/value"],
      ["CREATE_IN_PROGRESS", ""],
    ]);
  });
});
