import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { use, type StackContext } from "sst/constructs";
import type { BusinessMetric } from "../packages/core/src/api/routes.js";
import { Alerts } from "./Alerts.js";
import { FIVE_MINUTES, ONE_MINUTE, businessMetric, stageAlarm } from "./alarms.js";
import { Api, type DeployedFunction } from "./Api.js";
import { capacityGuard } from "./capacity-guard.js";
import { Database } from "./Database.js";
import { stageSettings } from "./stage-settings.js";
import { apiSamplingRule } from "./tracing.js";

const FULL_WIDTH = 24;
const PERCENTILES = ["p50", "p90", "p99"] as const;

/**
 * The stage's dashboard, the alarms that do not gate deployments (those live
 * beside the functions in the Api stack), the capacity guard and the X-Ray
 * sampling rule. Every metric is dimensioned by this stage's own API,
 * functions and table.
 *
 * Alarms page on what a caller feels, each reading one metric (CloudWatch
 * bills every metric an alarm reads): the 5XX rate and unexpected errors (Api
 * stack), p99 latency, DynamoDB throttling, and capacity near the autoscaling
 * maximum (the capacity guard, hourly). The dashboard references at most 50
 * metrics, the most CloudWatch's always-free dashboards may hold.
 */
export function Monitoring({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage);
  const { alarms: thresholds } = settings;
  const { table, indexNames } = use(Database);
  const { apiMetric, restApi, functions, api5xxRate, unexpectedErrors } = use(Api);
  const { topic } = use(Alerts);

  apiSamplingRule(stack, { restApiName: restApi.restApiName, stage: app.stage, tracing: settings.tracing });
  const apiP99Latency = stageAlarm(stack, "ApiP99Latency", {
    metric: apiMetric("Latency", { statistic: "p99", period: FIVE_MINUTES }),
    threshold: thresholds.apiP99LatencyMs,
    description: "API p99 latency is above its budget.",
    topic,
  });
  // Throttling: every DynamoDB request of the functions that was throttled (table or index, reads or writes),
  // counted by the functions; it pages and wakes the capacity guard, which raises capacity at once.
  const dynamoDbThrottled = stageAlarm(stack, "DynamoDbThrottled", {
    metric: businessMetric(app, "DynamoDbThrottled", ONE_MINUTE),
    threshold: thresholds.dynamoDbThrottledRequests,
    description: "DynamoDB throttled requests of the functions; the capacity guard raises the minimum capacity of what throttled.",
    topic,
  });
  capacityGuard(stack, { table, indexNames, settings, topic, throttledAlarm: dynamoDbThrottled });

  const allAlarms = [api5xxRate, unexpectedErrors, apiP99Latency, dynamoDbThrottled];
  const dashboardName = app.logicalPrefixedName("dashboard");
  const dashboard = new cloudwatch.Dashboard(stack, "Dashboard", {
    dashboardName,
    defaultInterval: Duration.hours(3),
    widgets: [
      [new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: allAlarms, width: FULL_WIDTH, height: 3 })],
      [heading("API Gateway"), ...apiWidgets(apiMetric)],
      [heading("Lambda functions"), ...functionWidgets(functions)],
      [heading("DynamoDB"), ...dynamoDbWidgets(table.tableName, indexNames)],
      [heading("Business metrics"), ...businessWidgets(app)],
    ],
  });

  const dashboardUrl = `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${dashboardName}`;
  stack.addOutputs({ DashboardUrl: dashboardUrl });
  return { dashboard, dashboardUrl, alarms: allAlarms };
}

/** Requests by status class, and latency (total and integration) at each percentile. */
function apiWidgets(apiMetric: ReturnType<typeof Api>["apiMetric"]) {
  const apiLatency = (metricName: "Latency" | "IntegrationLatency") =>
    PERCENTILES.map((statistic) => apiMetric(metricName, { statistic, label: `${metricName} ${statistic}` }));
  return [
    graph("API requests", [
      apiMetric("Count", { statistic: "Sum", label: "Requests" }),
      apiMetric("4XXError", { statistic: "Sum", label: "4XX" }),
      apiMetric("5XXError", { statistic: "Sum", label: "5XX" }),
    ]),
    graph("API latency (ms)", apiLatency("Latency")),
    graph("API integration latency (ms)", apiLatency("IntegrationLatency")),
  ];
}

/** Per function what differs, for the account what they share (concurrency, throttles), and the cold starts. */
function functionWidgets(functions: readonly DeployedFunction[]) {
  const lambdaAccountMetric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({ namespace: "AWS/Lambda", metricName, statistic, label: `${metricName} (account, all functions)` });
  return [
    graph(
      "Invocations by function",
      functions.map(({ definition, fn }) => fn.metricInvocations({ statistic: "Sum", label: definition.id })),
    ),
    graph(
      "Errors by function",
      functions.map(({ definition, fn }) => fn.metricErrors({ statistic: "Sum", label: definition.id })),
    ),
    graph(
      "Duration p99 by function (ms)",
      functions.map(({ definition, fn }) => fn.metricDuration({ statistic: "p99", label: definition.id })),
    ),
    graph("Concurrency and throttles (the account's shared pool)", [
      lambdaAccountMetric("ConcurrentExecutions", "Maximum"),
      lambdaAccountMetric("Throttles", "Sum"),
    ]),
    new cloudwatch.LogQueryWidget({
      title: "Cold starts by function (Init Duration of Lambda's REPORT lines)",
      logGroupNames: functions.map(({ fn }) => fn.logGroup.logGroupName),
      queryLines: [
        'filter @type = "REPORT" and ispresent(@initDuration)',
        "stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by @log",
      ],
      width: 16,
      height: 6,
    }),
  ];
}

/** The table, then each global secondary index: capacity consumed against provisioned, and throttle events. */
function dynamoDbWidgets(tableName: string, indexNames: readonly string[]) {
  const dynamoDbMetric = (metricName: string, index: string | undefined, options: cloudwatch.MetricOptions) =>
    new cloudwatch.Metric({
      namespace: "AWS/DynamoDB",
      metricName,
      dimensionsMap: index === undefined ? { TableName: tableName } : { TableName: tableName, GlobalSecondaryIndexName: index },
      ...options,
    });
  /** Consumed units per second, comparable with provisioned units. */
  const consumedPerSecond = (kind: "Read" | "Write", index: string | undefined) =>
    new cloudwatch.MathExpression({
      expression: "consumed / PERIOD(consumed)",
      usingMetrics: { consumed: dynamoDbMetric(`Consumed${kind}CapacityUnits`, index, { statistic: "Sum", period: ONE_MINUTE }) },
      label: `Consumed ${kind.toLowerCase()} units per second`,
      period: ONE_MINUTE,
    });
  const capacityTargets = [{ label: "Table", index: undefined }, ...indexNames.map((index) => ({ label: `Index ${index}`, index }))];
  return capacityTargets.flatMap(({ label, index }) => [
    ...(["Read", "Write"] as const).map((kind) =>
      graph(`${label}: ${kind.toLowerCase()} capacity, consumed vs provisioned`, [
        consumedPerSecond(kind, index),
        dynamoDbMetric(`Provisioned${kind}CapacityUnits`, index, { statistic: "Average", label: "Provisioned units" }),
      ]),
    ),
    graph(`${label}: throttle events`, [
      dynamoDbMetric("ReadThrottleEvents", index, { statistic: "Sum", label: "Read throttle events" }),
      dynamoDbMetric("WriteThrottleEvents", index, { statistic: "Sum", label: "Write throttle events" }),
    ]),
  ]);
}

/** The business metrics the handlers emit through Powertools. */
function businessWidgets(app: StackContext["app"]) {
  const business = (name: BusinessMetric) => businessMetric(app, name, Duration.minutes(5));
  return [
    graph("Users created, updated, deleted", [business("UsersCreated"), business("UsersUpdated"), business("UsersDeleted")]),
    graph("Dependency unavailable, unexpected errors, DynamoDB throttled", [
      business("DependencyUnavailable"),
      business("UnexpectedError"),
      business("DynamoDbThrottled"),
    ]),
  ];
}

const graph = (title: string, left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6 });

const heading = (text: string) => new cloudwatch.TextWidget({ markdown: `## ${text}`, width: FULL_WIDTH, height: 1 });
