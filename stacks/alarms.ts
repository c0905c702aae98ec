import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import type { App } from "sst/constructs";

export interface StageAlarmProps {
  readonly metric: cloudwatch.IMetric;
  /** The alarm fires when the metric reaches this value. */
  readonly threshold: number;
  readonly description: string;
  readonly topic: sns.ITopic;
}

/** Metrics of the alarms that gate deployments are read per minute, so a bad canary is caught within its window. */
export const ONE_MINUTE = Duration.minutes(1);
export const FIVE_MINUTES = Duration.minutes(5);

/**
 * An alarm named after the stage (`prod-users-api-<id>`), firing when the
 * metric reaches the threshold in one period, sending to the stage's alerts
 * topic. No data (no traffic) is not a breach.
 */
export function stageAlarm(scope: Construct, id: string, props: StageAlarmProps): cloudwatch.Alarm {
  const app = scope.node.root as App;
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: app.logicalPrefixedName(id),
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}
