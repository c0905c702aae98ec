import { describe, expect, it } from "vitest";
import { authorizer, businessMetrics, functionDefaults, routeList } from "../../packages/core/src/api/routes.js";
import { usersTable } from "../../packages/core/src/user/table.js";
import { stageSettings } from "../../stacks/stage-settings.js";
import { apiResources } from "./helpers/api-template.js";
import { exportsOf, qualified, render } from "./helpers/cfn.js";
import { ON_CALL_EMAIL, single, synthesizeBeforeAll, synthesized, type StackId, type TestStage } from "./helpers/synthesis.js";

const functionIds = [...routeList.map(({ id }) => id), authorizer.id];
const indexNames = Object.keys(usersTable.globalIndexes);

/** One metric of a dashboard widget or an alarm: namespace, name, dimensions and statistic, or a math expression. */
interface MetricLine {
  readonly namespace?: string;
  readonly name?: string;
  readonly dimensions: Record<string, string>;
  readonly stat?: string;
  readonly expression?: string;
}

interface CfnMetric {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
}

interface CfnMetricDataQuery {
  readonly Expression?: string;
  readonly MetricStat?: { Metric: CfnMetric; Stat: string };
}

/** The stage's alarms and dashboard, every reference qualified by its stack: `{Api:ListUsers7B09702E}`. */
async function monitoringOf(stage: TestStage) {
  const synthesis = await synthesized(stage);
  const exports = exportsOf(synthesis.stacks);
  const read = (value: unknown, stackId: StackId) => qualified(render(value, exports), stackId);
  const dimensionsOf = (metric: CfnMetric, stackId: StackId) =>
    Object.fromEntries((metric.Dimensions ?? []).map(({ Name, Value }) => [Name, read(Value, stackId)]));

  const { functions, ofType: apiOfType } = apiResources(synthesis);
  const [tableId] = single(synthesis.resources("Database", "AWS::DynamoDB::Table"), "UsersTable");
  const [, restApi] = single(Object.fromEntries(apiOfType("AWS::ApiGateway::RestApi")), "Api");
  const [, apiStage] = single(Object.fromEntries(apiOfType("AWS::ApiGateway::Stage")), "ApiDeploymentStage");
  const [topicId] = single(synthesis.resources("Alerts", "AWS::SNS::Topic"), "AlarmTopic");

  const [, dashboard] = single(synthesis.resources("Monitoring", "AWS::CloudWatch::Dashboard"), "Dashboard");
  const body = JSON.parse(read(dashboard.Properties?.DashboardBody, "Monitoring")) as {
    widgets: { type: string; properties: { metrics?: unknown[][]; alarms?: string[] } }[];
  };
  const widgets = body.widgets.map(({ type, properties }) => ({
    type,
    alarms: properties.alarms ?? [],
    metrics: (properties.metrics ?? []).map((line): MetricLine => {
      if (typeof line[0] === "object") return { dimensions: {}, expression: (line[0] as { expression: string }).expression };
      const [namespace, name, ...rest] = line as [string, string, ...unknown[]];
      const options = (typeof rest.at(-1) === "object" ? rest.pop() : {}) as { stat?: string };
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) dimensions[String(rest[i])] = String(rest[i + 1]);
      return { namespace, name, dimensions, stat: options.stat };
    }),
  }));

  const alarms = (["Api", "Monitoring"] as const).flatMap((stackId) =>
    Object.entries(synthesis.resources(stackId, "AWS::CloudWatch::Alarm")).map(([id, alarm]) => {
      const properties = alarm.Properties ?? {};
      const queries = (properties.Metrics ?? []) as CfnMetricDataQuery[];
      const metrics: MetricLine[] = properties.MetricName
        ? [
            {
              namespace: String(properties.Namespace),
              name: String(properties.MetricName),
              dimensions: dimensionsOf(properties as unknown as CfnMetric, stackId),
              stat: String(properties.Statistic ?? properties.ExtendedStatistic),
            },
          ]
        : queries.map(({ Expression, MetricStat }) =>
            MetricStat
              ? {
                  namespace: MetricStat.Metric.Namespace,
                  name: MetricStat.Metric.MetricName,
                  dimensions: dimensionsOf(MetricStat.Metric, stackId),
                  stat: MetricStat.Stat,
                }
              : { dimensions: {}, expression: Expression },
          );
      return { id, arn: `{${stackId}:${id}.Arn}`, properties, actions: read(properties.AlarmActions, stackId), metrics };
    }),
  );

  return {
    synthesis,
    widgets,
    metrics: widgets.flatMap(({ metrics }) => metrics),
    alarms,
    alarm: (prefix: string) => {
      const found = alarms.filter(({ id }) => id.startsWith(prefix));
      if (found.length !== 1) throw new Error(`expected one alarm ${prefix}*, found ${found.length}`);
      return found[0]!;
    },
    functionRef: (id: string) => `{Api:${functions.find(({ definition }) => definition.id === id)?.functionId}}`,
    tableRef: `{Database:${tableId}}`,
    topicRef: `{Alerts:${topicId}}`,
    apiDimensions: { ApiName: String(restApi.Properties?.Name), Stage: String(apiStage.Properties?.StageName) },
  };
}

describe.each(["dev", "prod"] as const)("monitoring of %s", (stage) => {
  synthesizeBeforeAll(stage);
  const { alarms: thresholds, database } = stageSettings(stage);

  it("sends every alarm of the stage to its alerts topic", async () => {
    const { alarms, topicRef } = await monitoringOf(stage);
    expect(alarms).toHaveLength(2 + 2 * functionIds.length + 3 * (1 + indexNames.length));
    for (const { id, properties, actions } of alarms) {
      expect(actions, id).toBe(`[${topicRef}]`);
      expect(properties.AlarmName).toMatch(new RegExp(`^${stage}-users-api-`));
      expect(properties.TreatMissingData).toBe("notBreaching");
    }
  });

  it("alarms on this stage's API 5XX rate and p99 latency at the stage's thresholds", async () => {
    const { alarm, apiDimensions } = await monitoringOf(stage);
    const rate = alarm("Api5xxRate");
    expect(rate.properties.Threshold).toBe(thresholds.api5xxRatePercent);
    expect(rate.metrics).toEqual([
      { dimensions: {}, expression: "100 * serverErrors" },
      { namespace: "AWS/ApiGateway", name: "5XXError", dimensions: apiDimensions, stat: "Average" },
    ]);
    const latency = alarm("ApiP99Latency");
    expect(latency.properties.Threshold).toBe(thresholds.apiP99LatencyMs);
    expect(latency.metrics).toEqual([{ namespace: "AWS/ApiGateway", name: "Latency", dimensions: apiDimensions, stat: "p99" }]);
  });

  it.each(functionIds)("alarms on the errors and throttles of %s", async (id) => {
    const { alarm, functionRef } = await monitoringOf(stage);
    for (const [kind, threshold] of [
      ["Errors", thresholds.functionErrors],
      ["Throttles", thresholds.functionThrottles],
    ] as const) {
      const { properties, metrics } = alarm(`${id}${kind}`);
      expect(properties.Threshold).toBe(threshold);
      expect(metrics).toEqual([{ namespace: "AWS/Lambda", name: kind, dimensions: { FunctionName: functionRef(id) }, stat: "Sum" }]);
    }
  });

  it("alarms on DynamoDB throttling and on capacity close to the autoscaling maximum, for the table and each index", async () => {
    const { alarm, tableRef } = await monitoringOf(stage);
    const targets = [
      { prefix: "Table", dimensions: { TableName: tableRef }, bounds: database.table },
      ...indexNames.map((index) => ({
        prefix: `Index${index}`,
        dimensions: { TableName: tableRef, GlobalSecondaryIndexName: index },
        bounds: database.indexes,
      })),
    ];
    for (const { prefix, dimensions, bounds } of targets) {
      const throttles = alarm(`${prefix}Throttles`);
      expect(throttles.properties.Threshold).toBe(thresholds.dynamoDbThrottleEvents);
      expect(throttles.metrics).toEqual([
        { dimensions: {}, expression: "reads + writes" },
        { namespace: "AWS/DynamoDB", name: "ReadThrottleEvents", dimensions, stat: "Sum" },
        { namespace: "AWS/DynamoDB", name: "WriteThrottleEvents", dimensions, stat: "Sum" },
      ]);
      for (const [kind, { max }] of [
        ["Read", bounds.read],
        ["Write", bounds.write],
      ] as const) {
        const capacity = alarm(`${prefix}${kind}CapacityNearMaximum`);
        expect(capacity.properties.Threshold).toBe((max * thresholds.capacityOfMaximumPercent) / 100);
        expect(capacity.metrics).toEqual([
          { dimensions: {}, expression: "consumed / PERIOD(consumed)" },
          { namespace: "AWS/DynamoDB", name: `Consumed${kind}CapacityUnits`, dimensions, stat: "Sum" },
        ]);
      }
    }
  });

  it("charts this stage's API requests, 4XX, 5XX, and latency and integration latency at p50, p90 and p99", async () => {
    const { metrics, apiDimensions } = await monitoringOf(stage);
    const api = metrics.filter(({ namespace }) => namespace === "AWS/ApiGateway");
    for (const { dimensions } of api) expect(dimensions).toEqual(apiDimensions);
    const charted = new Set(api.map(({ name, stat }) => `${name} ${stat}`));
    for (const line of ["Count Sum", "4XXError Sum", "5XXError Sum"]) expect(charted).toContain(line);
    for (const name of ["Latency", "IntegrationLatency"]) {
      for (const stat of ["p50", "p90", "p99"]) expect(charted).toContain(`${name} ${stat}`);
    }
  });

  it.each(functionIds)("charts %s: invocations, errors, throttles, duration p50 and p99, concurrent executions", async (id) => {
    const { metrics, functionRef } = await monitoringOf(stage);
    const charted = new Set(
      metrics
        .filter(({ namespace, dimensions }) => namespace === "AWS/Lambda" && dimensions.FunctionName === functionRef(id))
        .map(({ name, stat }) => `${name} ${stat}`),
    );
    expect(charted).toEqual(
      new Set(["Invocations Sum", "Errors Sum", "Throttles Sum", "Duration p50", "Duration p99", "ConcurrentExecutions Maximum"]),
    );
  });

  it("charts consumed against provisioned capacity and the throttle events of the table and each index", async () => {
    const { metrics, tableRef } = await monitoringOf(stage);
    const dynamoDb = metrics.filter(({ namespace }) => namespace === "AWS/DynamoDB");
    for (const { dimensions } of dynamoDb) expect(dimensions.TableName).toBe(tableRef);
    for (const index of [undefined, ...indexNames]) {
      const charted = new Set(
        dynamoDb.filter(({ dimensions }) => dimensions.GlobalSecondaryIndexName === index).map(({ name }) => name),
      );
      for (const name of [
        "ConsumedReadCapacityUnits",
        "ProvisionedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ProvisionedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
      ]) {
        expect(charted, `${name} of ${index ?? "the table"}`).toContain(name);
      }
    }
  });

  it("charts throttled requests, system errors and latency of every operation on this stage's table", async () => {
    const { metrics, tableRef } = await monitoringOf(stage);
    const searches = metrics.flatMap(({ expression }) => (expression?.startsWith("SEARCH(") ? [expression] : []));
    for (const name of ["ThrottledRequests", "SystemErrors", "SuccessfulRequestLatency"]) {
      expect(searches).toContainEqual(expect.stringContaining(`MetricName="${name}" TableName="${tableRef}"`));
    }
  });

  it("charts every business metric the handlers emit, for this stage only", async () => {
    const { metrics, functionRef } = await monitoringOf(stage);
    const business = metrics.filter(({ namespace }) => namespace === functionDefaults.metricsNamespace);
    expect(new Set(business.map(({ name }) => name))).toEqual(new Set(businessMetrics));
    for (const { dimensions } of business) {
      expect(dimensions).toMatchObject({ service: functionDefaults.serviceName, stage });
    }
    const coldStarts = business.filter(({ name }) => name === "ColdStart").map(({ dimensions }) => dimensions.function_name);
    expect(coldStarts.sort()).toEqual(functionIds.map(functionRef).sort());
  });

  it("shows the state of every alarm on the dashboard", async () => {
    const { widgets, alarms } = await monitoringOf(stage);
    const shown = widgets.flatMap(({ alarms: arns }) => arns);
    expect(shown.sort()).toEqual(alarms.map(({ arn }) => arn).sort());
  });

  it("outputs the dashboard URL", async () => {
    const { synthesis } = await monitoringOf(stage);
    const outputs = synthesis.stack("Monitoring").template.Outputs as Record<string, { Value: unknown }>;
    expect(outputs.DashboardUrl?.Value).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=${stage}-users-api-dashboard`,
    );
  });
});

describe("the alerts topic", () => {
  synthesizeBeforeAll("dev");
  synthesizeBeforeAll("prod");

  it("accepts only TLS publishers and lets CloudWatch alarms of this account publish", async () => {
    const synthesis = await synthesized("prod");
    const [, policy] = single(synthesis.resources("Alerts", "AWS::SNS::TopicPolicy"), "AlarmTopicPolicy");
    const statements = (policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "sns:Publish", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Action: "sns:Publish",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      }),
    );
  });

  it("mails alarms to the address of the ALERTS_EMAIL parameter when one is given at deploy time", async () => {
    const synthesis = await synthesized("prod");
    const [topicId] = single(synthesis.resources("Alerts", "AWS::SNS::Topic"), "AlarmTopic");
    const [, parameter] = single(synthesis.resources("Alerts", "AWS::SSM::Parameter"), "ALERTSEMAIL");
    expect(parameter.Properties).toMatchObject({ Name: "/sst/users-api/prod/Parameter/ALERTS_EMAIL/value", Value: ON_CALL_EMAIL });
    const subscriptions = Object.values(synthesis.resources("Alerts", "AWS::SNS::Subscription"));
    expect(subscriptions.map(({ Properties }) => Properties)).toEqual([
      { Protocol: "email", Endpoint: ON_CALL_EMAIL, TopicArn: { Ref: topicId } },
    ]);
  });

  it("subscribes no one when no address is given", async () => {
    const synthesis = await synthesized("dev");
    expect(synthesis.resources("Alerts", "AWS::SNS::Subscription")).toEqual({});
    expect(synthesis.resources("Alerts", "AWS::SSM::Parameter")).toEqual({});
  });
});
