import { Duration } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { LambdaAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { NagSuppressions } from "cdk-nag";
import { Function, type Stack, type Table } from "sst/constructs";
import { GUARD_SETTINGS_VARIABLE, type GuardSettings } from "../packages/core/src/capacity/guard-settings.js";
import { retentionDays, type StageSettings } from "./stage-settings.js";

/** How often the guard checks provisioned capacity against the maximum (and pages while it is near). */
export const CAPACITY_CHECK_INTERVAL = Duration.hours(1);

/** Construct id of the guard's function. */
export const CAPACITY_GUARD_ID = "CapacityGuard";

/**
 * The capacity guard (packages/functions/src/capacity/guard.ts): on the
 * throttling alarm it raises the autoscaling minimum of each throttled table
 * or index dimension to that minute's whole demand, at once, and restores the
 * minimums when the alarm clears; every hour it pages while capacity is near
 * the autoscaling maximum. Hand-written because DynamoDB has no step scaling
 * policies, only target tracking, which steps from served (not refused) load.
 */
export function capacityGuard(
  stack: Stack,
  props: {
    readonly table: Table;
    readonly indexNames: readonly string[];
    readonly settings: StageSettings;
    readonly topic: sns.ITopic;
    readonly throttledAlarm: cloudwatch.Alarm;
  },
) {
  const { table, indexNames, settings, topic, throttledAlarm } = props;
  const guardSettings: GuardSettings = {
    tableName: table.tableName,
    indexNames: [...indexNames],
    table: settings.database.table,
    indexes: settings.database.indexes,
    targetUtilizationPercent: settings.database.targetUtilizationPercent,
    capacityOfMaximumPercent: settings.alarms.capacityOfMaximumPercent,
    topicArn: topic.topicArn,
  };
  const logGroup = new logs.LogGroup(stack, `${CAPACITY_GUARD_ID}Logs`, {
    retention: retentionDays(settings.logRetention),
    removalPolicy: settings.removalPolicy,
  });
  const role = new iam.Role(stack, `${CAPACITY_GUARD_ID}Role`, {
    assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    description: `Capacity guard of ${stack.stage}: reads DynamoDB metrics, sets the table's autoscaling minimums, pages`,
  });
  logGroup.grantWrite(role);
  const tableArn = (table.cdk.table as { tableArn: string }).tableArn;
  role.addToPolicy(new iam.PolicyStatement({ actions: ["dynamodb:DescribeTable"], resources: [tableArn] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [topic.topicArn] }));
  const unscoped = new iam.PolicyStatement({
    actions: ["cloudwatch:GetMetricData", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget"],
    resources: ["*"],
  });
  role.addToPolicy(unscoped);

  const fn = new Function(stack, CAPACITY_GUARD_ID, {
    handler: "packages/functions/src/capacity/guard.handler",
    role,
    logGroup,
    timeout: 30,
    memorySize: 256,
    environment: { [GUARD_SETTINGS_VARIABLE]: stack.toJsonString(guardSettings) },
  });
  throttledAlarm.addAlarmAction(new LambdaAction(fn));
  throttledAlarm.addOkAction(new LambdaAction(fn));
  new events.Rule(stack, `${CAPACITY_GUARD_ID}Schedule`, {
    description: "Hourly check of DynamoDB capacity against the autoscaling maximum",
    schedule: events.Schedule.rate(CAPACITY_CHECK_INTERVAL),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
  });

  NagSuppressions.addResourceSuppressions(fn, [
    { id: "AwsSolutions-L1", reason: "nodejs22.x is the runtime set once in routes.ts functionDefaults; moving to Node 24 is a deliberate upgrade." },
  ]);
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "cloudwatch:GetMetricData and Application Auto Scaling's Describe/RegisterScalableTarget accept no resource narrower than '*' for an existing DynamoDB target; X-Ray's actions none at all.",
        appliesTo: ["Resource::*"],
      },
    ],
    true,
  );
  return { fn, role };
}
