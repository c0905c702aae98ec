import {
  businessMetricDimensions,
  functionDefaults,
  type BusinessMetric,
} from "../packages/core/src/api/routes.js";
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { use, type StackContext } from "sst/constructs";
import { Alerts } from "./Alerts.js";
import { FIVE_MINUTES, stageAlarm } from "./alarms.js";
import { Api } from "./Api.js";
import { Database } from "./Database.js";
import { stageSettings, type CapacityBounds } from "./stage-settings.js";

const FULL_WIDTH = 24;
const PERCENTILES = ["p50", "p90", "p99"] as const;

/**
 * The stage's dashboard and the alarms that do not gate deployments (those
 * live beside the functions in the Api stack). Every metric is dimensioned by
 * this stage's own API, functions and table.
 */
export function Monitoring({ stack, app }: StackContext) {
  const { alarms: thresholds, database } = stageSettings(app.stage);
  const { table, indexNames } = use(Database);
  const { apiMetric, functions, api5xxRate } = use(Api);
  const { topic } = use(Alerts);

  // API Gateway
  const apiLatency = (metricName: "Latency" | "IntegrationLatency") =>
    PERCENTILES.map((statistic) => apiMetric(metricName, { statistic, label: `${metricName} ${statistic}` }));
  const apiP99Latency = stageAlarm(stack, "ApiP99Latency", {
    metric: apiMetric("Latency", { statistic: "p99", period: FIVE_MINUTES }),
    threshold: thresholds.apiP99LatencyMs,
    description: "API p99 latency is above its budget.",
    topic,
  });
  const apiWidgets = [
    graph("API requests", [
      apiMetric("Count", { statistic: "Sum", label: "Requests" }),
      apiMetric("4XXError", { statistic: "Sum", label: "4XX" }),
      apiMetric("5XXError", { statistic: "Sum", label: "5XX" }),
    ]),
    graph("API latency (ms)", apiLatency("Latency")),
    graph("API integration latency (ms)", apiLatency("IntegrationLatency")),
  ];

  // Lambda functions
  const functionThrottles = functions.map(({ definition, fn }) =>
    stageAlarm(stack, `${definition.id}Throttles`, {
      metric: fn.metricThrottles({ statistic: "Sum", period: FIVE_MINUTES }),
      threshold: thresholds.functionThrottles,
      description: `${definition.id} invocations were throttled: concurrency is exhausted.`,
      topic,
    }),
  );
  const functionWidgets = functions.flatMap(({ definition, fn }) => [
    graph(`${definition.id}: invocations, errors, throttles`, [
      fn.metricInvocations({ statistic: "Sum" }),
      fn.metricErrors({ statistic: "Sum" }),
      fn.metricThrottles({ statistic: "Sum" }),
    ]),
    graph(`${definition.id}: duration (ms)`, [
      fn.metricDuration({ statistic: "p50", label: "p50" }),
      fn.metricDuration({ statistic: "p99", label: "p99" }),
    ]),
    graph(`${definition.id}: concurrent executions`, [
      fn.metric("ConcurrentExecutions", { statistic: "Maximum", label: "Concurrent executions" }),
    ]),
  ]);

  // DynamoDB: the table, then each global secondary index
  const tableName = table.tableName;
  const dynamoDbMetric = (metricName: string, index: string | undefined, options: cloudwatch.MetricOptions) =>
    new cloudwatch.Metric({
      namespace: "AWS/DynamoDB",
      metricName,
      dimensionsMap: index === undefined ? { TableName: tableName } : { TableName: tableName, GlobalSecondaryIndexName: index },
      ...options,
    });
  /** Consumed units per second, comparable with provisioned units. */
  const consumedPerSecond = (kind: "Read" | "Write", index: string | undefined, period = FIVE_MINUTES) =>
    new cloudwatch.MathExpression({
      expression: "consumed / PERIOD(consumed)",
      usingMetrics: { consumed: dynamoDbMetric(`Consumed${kind}CapacityUnits`, index, { statistic: "Sum", period }) },
      label: `Consumed ${kind.toLowerCase()} units per second`,
      period,
    });
  const capacityTargets = [
    { label: "Table", id: "Table", index: undefined, bounds: database.table },
    ...indexNames.map((index) => ({ label: `Index ${index}`, id: `Index${index}`, index, bounds: database.indexes })),
  ];
  const dynamoDbAlarms = capacityTargets.flatMap(({ label, id, index, bounds }) => [
    stageAlarm(stack, `${id}Throttles`, {
      metric: new cloudwatch.MathExpression({
        expression: "reads + writes",
        usingMetrics: {
          reads: dynamoDbMetric("ReadThrottleEvents", index, { statistic: "Sum" }),
          writes: dynamoDbMetric("WriteThrottleEvents", index, { statistic: "Sum" }),
        },
        label: "Throttle events",
        period: FIVE_MINUTES,
      }),
      threshold: thresholds.dynamoDbThrottleEvents,
      description: `${label}: DynamoDB throttled reads or writes.`,
      topic,
    }),
    ...(["Read", "Write"] as const).map((kind) =>
      stageAlarm(stack, `${id}${kind}CapacityNearMaximum`, {
        metric: consumedPerSecond(kind, index),
        threshold: nearMaximum(kind === "Read" ? bounds.read : bounds.write, thresholds.capacityOfMaximumPercent),
        description: `${label}: consumed ${kind.toLowerCase()} capacity is close to the autoscaling maximum.`,
        topic,
      }),
    ),
  ]);
  const dynamoDbWidgets = capacityTargets.flatMap(({ label, index }) => [
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
  // Per-operation metrics have no index dimension: one line per operation the table served.
  const byOperation = (metricName: string, statistic: string) =>
    new cloudwatch.MathExpression({
      expression: `SEARCH('{AWS/DynamoDB,Operation,TableName} MetricName="${metricName}" TableName="${tableName}"', '${statistic}', 300)`,
      usingMetrics: {},
      label: "",
    });
  const operationWidgets = [
    graph("Table: throttled requests by operation", [byOperation("ThrottledRequests", "Sum")]),
    graph("Table: system errors by operation", [byOperation("SystemErrors", "Sum")]),
    graph("Table: successful request latency p99 by operation (ms)", [
      byOperation("SuccessfulRequestLatency", "p99"),
    ]),
  ];

  // Business metrics the handlers emit through Powertools
  const dimensions = businessMetricDimensions(app.stage);
  const business = (name: BusinessMetric, extra: Record<string, string> = {}, label: string = name) =>
    new cloudwatch.Metric({
      namespace: functionDefaults.metricsNamespace,
      metricName: name,
      dimensionsMap: { ...dimensions, ...extra },
      statistic: "Sum",
      label,
    });
  const businessWidgets = [
    graph("Users created, updated, deleted", [
      business("UsersCreated"),
      business("UsersUpdated"),
      business("UsersDeleted"),
    ]),
    graph("Dependency unavailable and unexpected errors", [
      business("DependencyUnavailable"),
      business("UnexpectedError"),
    ]),
    graph(
      "Cold starts",
      functions.map(({ definition, fn }) => business("ColdStart", { function_name: fn.functionName }, definition.id)),
    ),
  ];

  const allAlarms = [
    api5xxRate,
    apiP99Latency,
    ...functions.map(({ errorsAlarm }) => errorsAlarm),
    ...functionThrottles,
    ...dynamoDbAlarms,
  ];
  const dashboardName = app.logicalPrefixedName("dashboard");
  const dashboard = new cloudwatch.Dashboard(stack, "Dashboard", {
    dashboardName,
    defaultInterval: Duration.hours(3),
    widgets: [
      [new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: allAlarms, width: FULL_WIDTH, height: 4 })],
      [heading("API Gateway"), ...apiWidgets],
      [heading("Lambda functions"), ...functionWidgets],
      [heading("DynamoDB"), ...dynamoDbWidgets, ...operationWidgets],
      [heading("Business metrics"), ...businessWidgets],
    ],
  });

  const dashboardUrl = `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${dashboardName}`;
  stack.addOutputs({ DashboardUrl: dashboardUrl });
  return { dashboard, dashboardUrl, alarms: allAlarms };
}

/** Consumed units per second at which a table or index is `percent` of the way to its autoscaling maximum. */
const nearMaximum = ({ max }: CapacityBounds, percent: number) => (max * percent) / 100;

const graph = (title: string, left: cloudwatch.IMetric[]) =>
  new cloudwatch.GraphWidget({ title, left, width: 8, height: 6 });

const heading = (text: string) => new cloudwatch.TextWidget({ markdown: `## ${text}`, width: FULL_WIDTH, height: 1 });
