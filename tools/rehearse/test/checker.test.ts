import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeleteAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteParameterCommand } from "@aws-sdk/client-ssm";
import { afterAll, describe, expect, it } from "vitest";
import { readAssembly, type Template } from "../src/checker/assembly.js";
import { describeFindings, inspectDeployment, inspectRemoval } from "../src/checker/check.js";
import { verifiers } from "../src/checker/verifiers.js";
import { useRehearsalEmulator } from "./helpers/emulator.js";

/**
 * The checker against deliberately incomplete emulator states: whatever CloudFormation reports, a
 * resource its service does not show, shows differently, or that the checker cannot read fails the check.
 */
const cfn = useRehearsalEmulator();
const assemblies = mkdtempSync(path.join(tmpdir(), "rehearsal-checker-"));
afterAll(() => rmSync(assemblies, { recursive: true, force: true }));

/** A one-stack cloud assembly on disk, as `sst deploy` writes one, and the stack created from it. */
async function deployAssembly(stackName: string, template: Template) {
  const dir = path.join(assemblies, stackName);
  rmSync(dir, { recursive: true, force: true });
  const manifest = { artifacts: { [stackName]: { type: "aws:cloudformation:stack", properties: { templateFile: `${stackName}.template.json` } } } };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  writeFileSync(path.join(dir, `${stackName}.template.json`), JSON.stringify(template));
  await cfn.createStack(stackName, template as never);
  return readAssembly(dir);
}

const alarm = (name: string, extra: Record<string, unknown> = {}) => ({
  Type: "AWS::CloudWatch::Alarm",
  Properties: {
    AlarmName: name,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    EvaluationPeriods: 1,
    Threshold: 1,
    MetricName: "Errors",
    Namespace: "AWS/Lambda",
    Period: 60,
    Statistic: "Sum",
  },
  ...extra,
});
const parameter = (name: string, extra: Record<string, unknown> = {}) => ({
  Type: "AWS::SSM::Parameter",
  Properties: { Name: name, Type: "String", Value: "v" },
  ...extra,
});

describe("the template-vs-emulator checker", () => {
  it("passes a deployment whose every resource its service shows as the template declares it", async () => {
    const stacks = await deployAssembly("checker-complete", {
      Resources: {
        Errors: alarm("checker-complete-errors"),
        Name: parameter("/checker/complete", { Properties: { Name: "/checker/complete", Type: "String", Value: { Ref: "Errors" } } }),
      },
    });

    const { findings, checked } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    expect(describeFindings(findings)).toEqual([]);
    expect(checked).toBe(2);
  });

  it("fails a resource CloudFormation reports but its service no longer has", async () => {
    const stacks = await deployAssembly("checker-missing", { Resources: { Errors: alarm("checker-missing-errors") } });
    await cfn.clients().cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: ["checker-missing-errors"] }));

    const { findings } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    expect(describeFindings(findings)).toEqual([
      "checker-missing Errors (AWS::CloudWatch::Alarm): missing from the emulator's CloudWatch API (physical id checker-missing-errors)",
    ]);
  });

  it("fails a resource its service shows otherwise than the template declares", async () => {
    const stacks = await deployAssembly("checker-differs", { Resources: { Errors: alarm("checker-differs-errors") } });
    await cfn.clients().cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "checker-differs-errors",
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
        Threshold: 5,
        MetricName: "Errors",
        Namespace: "AWS/Lambda",
        Period: 60,
        Statistic: "Sum",
      }),
    );

    const { findings } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    expect(describeFindings(findings)).toEqual(["checker-differs Errors (AWS::CloudWatch::Alarm): Threshold: template 1, emulator 5"]);
  });

  it("fails a resource of a type it cannot read, rather than skipping it", async () => {
    expect(verifiers["AWS::SQS::Queue"]).toBeUndefined();
    const stacks = await deployAssembly("checker-unknown", { Resources: { Queue: { Type: "AWS::SQS::Queue", Properties: { QueueName: "checker-unknown" } } } });

    const { findings } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    expect(describeFindings(findings)).toEqual([
      "checker-unknown Queue (AWS::SQS::Queue): the checker cannot read AWS::SQS::Queue from the emulator, so its existence is unproven",
    ]);
  });

  it("fails a stack that did not complete, and each of its resources", async () => {
    const stacks = await deployAssembly("checker-failed", {
      Resources: { Name: parameter("/checker/failed"), Broken: { Type: "AWS::Rehearsal::Nothing", Properties: {} } },
    });

    const { findings } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    expect(describeFindings(findings)).toEqual([
      "checker-failed: stack status is ROLLBACK_COMPLETE",
      "checker-failed Name (AWS::SSM::Parameter): CloudFormation reports no physical resource for it",
      "checker-failed Broken (AWS::Rehearsal::Nothing): CloudFormation reports no physical resource for it",
    ]);
  });

  it("after removal, fails a retained resource that is gone and a deleted one that is still there", async () => {
    const stacks = await deployAssembly("checker-removed", {
      Resources: {
        Kept: parameter("/checker/removed/kept", { DeletionPolicy: "Retain" }),
        Lost: parameter("/checker/removed/lost", { DeletionPolicy: "Retain" }),
        Errors: alarm("checker-removed-errors"),
      },
    });
    const { snapshots } = await inspectDeployment(stacks, cfn.clients(), "us-east-1");
    await cfn.deleteStack("checker-removed");
    expect(describeFindings(await inspectRemoval(snapshots, cfn.clients()))).toEqual([]);

    await cfn.clients().ssm.send(new DeleteParameterCommand({ Name: "/checker/removed/lost" }));
    await cfn.clients().cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "checker-removed-errors",
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
        Threshold: 1,
        MetricName: "Errors",
        Namespace: "AWS/Lambda",
        Period: 60,
        Statistic: "Sum",
      }),
    );
    expect(describeFindings(await inspectRemoval(snapshots, cfn.clients()))).toEqual([
      "checker-removed Lost (AWS::SSM::Parameter): retained by DeletionPolicy Retain, but gone (physical id /checker/removed/lost)",
      "checker-removed Errors (AWS::CloudWatch::Alarm): not retained by the template, but still there (physical id checker-removed-errors)",
    ]);
  });
});
