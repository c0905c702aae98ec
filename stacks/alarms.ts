import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import type { App } from "sst/constructs";
import { businessMetricDimensions, functionDefaults, type BusinessMetric } from "../packages/core/src/api/routes.js";

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

/**
 * A business metric the handlers emit, summed per `period`. Such metrics are
 * only published (and only billed) in the hours they occur.
 */
export const businessMetric = (app: App, name: BusinessMetric, period: Duration = ONE_MINUTE, extra: Record<string, string> = {}) =>
  new cloudwatch.Metric({
    namespace: functionDefaults.metricsNamespace,
    metricName: name,
    dimensionsMap: { ...businessMetricDimensions(app.stage), ...extra },
    statistic: "Sum",
    period,
  });

/**
 * One alarm for every handler's unexpected errors (the `UnexpectedError`
 * metric, one alarm metric), where one per function would be seven. It
 * pages, and it gates every canary deployment with the API's 5XX rate, which
 * also covers what a handler cannot count itself: timeouts, crashes, throttles.
 */
export function unexpectedErrorsAlarm(scope: Construct, props: { readonly threshold: number; readonly topic: sns.ITopic }): cloudwatch.Alarm {
  const app = scope.node.root as App;
  return stageAlarm(scope, "UnexpectedErrors", {
    metric: businessMetric(app, "UnexpectedError"),
    threshold: props.threshold,
    description: "A handler caught an unexpected error (a bug); in a canary deployment, CodeDeploy rolls back on it.",
    topic: props.topic,
  });
}
