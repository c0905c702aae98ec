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
    widgets: { type: string; properties: { metrics?: unknown[][]; alarms?: string[]; query?: string; title?: string } }[];
  };
  const widgets = body.widgets.map(({ type, properties }) => ({
    type,
    title: properties.title,
    query: properties.query,
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

const alarm = (monitoring: Awaited<ReturnType<typeof monitoringOf>>, prefix: string) => monitoring.alarm(prefix);

describe.each(["dev", "prod"] as const)("monitoring of %s", (stage) => {
  synthesizeBeforeAll(stage);
  const { alarms: thresholds } = stageSettings(stage);

  it("has four alarms, each sent to the stage's alerts topic", async () => {
    const { alarms, topicRef } = await monitoringOf(stage);
    expect(alarms.map(({ id }) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual(["Api5xxRate", "ApiP99Latency", "DynamoDbThrottled", "UnexpectedErrors"]);
    for (const { id, properties, actions } of alarms) {
      expect(actions, id).toContain(topicRef);
      expect(properties.AlarmName).toMatch(new RegExp(`^${stage}-users-api-`));
      expect(properties.TreatMissingData).toBe("notBreaching");
    }
  });

  it("reads one metric per alarm, since CloudWatch bills every metric an alarm reads", async () => {
    const { alarms } = await monitoringOf(stage);
    for (const { id, metrics } of alarms)
      expect(
        metrics.filter(({ name }) => name !== undefined),
        id,
      ).toHaveLength(1);
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

  it("alarms on the unexpected errors every handler counts, per minute, for this stage only", async () => {
    const { properties, metrics } = alarm(await monitoringOf(stage), "UnexpectedErrors");
    expect(properties).toMatchObject({ Threshold: thresholds.unexpectedErrors, Period: 60 });
    expect(metrics).toEqual([
      { namespace: functionDefaults.metricsNamespace, name: "UnexpectedError", dimensions: { service: functionDefaults.serviceName, stage }, stat: "Sum" },
    ]);
  });

  it("alarms on DynamoDB throttling of any table or index request, per minute, and wakes the capacity guard on ALARM and on OK", async () => {
    const monitoring = await monitoringOf(stage);
    const { properties, metrics, actions } = alarm(monitoring, "DynamoDbThrottled");
    expect(properties).toMatchObject({ Threshold: thresholds.dynamoDbThrottledRequests, Period: 60, EvaluationPeriods: 1 });
    expect(metrics).toEqual([
      { namespace: functionDefaults.metricsNamespace, name: "DynamoDbThrottled", dimensions: { service: functionDefaults.serviceName, stage }, stat: "Sum" },
    ]);
    const [guardId] = single(monitoring.synthesis.resources("Monitoring", "AWS::Lambda::Function"), "CapacityGuard");
    expect(actions).toBe(`[${monitoring.topicRef},{Monitoring:${guardId}.Arn}]`);
    expect(render(properties.OKActions)).toBe(`[{${guardId}.Arn}]`);
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

  it.each(functionIds)("charts %s: invocations, errors and duration p99", async (id) => {
    const { metrics, functionRef } = await monitoringOf(stage);
    const charted = new Set(
      metrics
        .filter(({ namespace, dimensions }) => namespace === "AWS/Lambda" && dimensions.FunctionName === functionRef(id))
        .map(({ name, stat }) => `${name} ${stat}`),
    );
    expect(charted).toEqual(new Set(["Invocations Sum", "Errors Sum", "Duration p99"]));
  });

  it("charts the concurrency and throttles of the account's Lambda pool, which every function shares", async () => {
    const { metrics } = await monitoringOf(stage);
    const account = metrics.filter(({ namespace, dimensions }) => namespace === "AWS/Lambda" && Object.keys(dimensions).length === 0);
    expect(account.map(({ name, stat }) => `${name} ${stat}`).sort()).toEqual(["ConcurrentExecutions Maximum", "Throttles Sum"]);
  });

  it("charts cold starts of every function from the Init Duration of Lambda's REPORT lines, not from a metric per function", async () => {
    const { widgets, synthesis } = await monitoringOf(stage);
    const [coldStarts] = widgets.filter(({ type }) => type === "log");
    expect(coldStarts?.query).toContain('filter @type = "REPORT" and ispresent(@initDuration)');
    const { functions } = apiResources(synthesis);
    for (const { fn } of functions) {
      const logGroup = render((fn.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup).slice(1, -1);
      expect(coldStarts?.query).toContain(`{Api:${logGroup}}`);
    }
  });

  it("references at most 50 metrics, the most a dashboard of CloudWatch's always-free tier may", async () => {
    const { metrics } = await monitoringOf(stage);
    const distinct = new Set(
      metrics.filter(({ name }) => name !== undefined).map(({ namespace, name, dimensions }) => JSON.stringify([namespace, name, dimensions])),
    );
    expect(metrics.some(({ expression }) => expression?.startsWith("SEARCH("))).toBe(false);
    expect(distinct.size).toBeLessThanOrEqual(50);
  });

  it("charts consumed against provisioned capacity and the throttle events of the table and each index", async () => {
    const { metrics, tableRef } = await monitoringOf(stage);
    const dynamoDb = metrics.filter(({ namespace }) => namespace === "AWS/DynamoDB");
    for (const { dimensions } of dynamoDb) expect(dimensions.TableName).toBe(tableRef);
    for (const index of [undefined, ...indexNames]) {
      const charted = new Set(dynamoDb.filter(({ dimensions }) => dimensions.GlobalSecondaryIndexName === index).map(({ name }) => name));
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

  it("charts every business metric the handlers emit, for this stage only", async () => {
    const { metrics } = await monitoringOf(stage);
    const business = metrics.filter(({ namespace }) => namespace === functionDefaults.metricsNamespace);
    expect(new Set(business.map(({ name }) => name))).toEqual(new Set(businessMetrics));
    for (const { dimensions } of business) expect(dimensions).toEqual({ service: functionDefaults.serviceName, stage });
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
    const statements = (policy.Properties!.PolicyDocument as { Statement: unknown[] }).Statement;
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
    expect(subscriptions.map(({ Properties }) => Properties)).toEqual([{ Protocol: "email", Endpoint: ON_CALL_EMAIL, TopicArn: { Ref: topicId } }]);
  });

  it("subscribes no one when no address is given", async () => {
    const synthesis = await synthesized("dev");
    expect(synthesis.resources("Alerts", "AWS::SNS::Subscription")).toEqual({});
    expect(synthesis.resources("Alerts", "AWS::SSM::Parameter")).toEqual({});
  });
});

describe.each(["dev", "prod"] as const)("tracing and the capacity guard of %s", (stage) => {
  synthesizeBeforeAll(stage);
  const settings = stageSettings(stage);

  it("samples this API stage's requests with the stage's X-Ray rule, ahead of X-Ray's default rule", async () => {
    const synthesis = await synthesized(stage);
    const [, rule] = single(synthesis.resources("Monitoring", "AWS::XRay::SamplingRule"), "ApiSamplingRule");
    const [, restApi] = single(synthesis.resources("Api", "AWS::ApiGateway::RestApi"), "Api");
    expect(rule.Properties?.SamplingRule).toEqual({
      RuleName: `${stage}-users-api`,
      Priority: 1000,
      ReservoirSize: settings.tracing.reservoirPerSecond,
      FixedRate: settings.tracing.fixedRatePercent / 100,
      ServiceName: `${String(restApi.Properties?.Name)}/${stage}`,
      ServiceType: "AWS::ApiGateway::Stage",
      Host: "*",
      HTTPMethod: "*",
      URLPath: "*",
      ResourceARN: "*",
      Version: 1,
    });
  });

  it("hands the guard the stage's capacity bounds, target and threshold, the table and the alerts topic", async () => {
    const synthesis = await synthesized(stage);
    const exports = exportsOf(synthesis.stacks);
    const [, guard] = single(synthesis.resources("Monitoring", "AWS::Lambda::Function"), "CapacityGuard");
    const [tableId] = single(synthesis.resources("Database", "AWS::DynamoDB::Table"), "UsersTable");
    const [topicId] = single(synthesis.resources("Alerts", "AWS::SNS::Topic"), "AlarmTopic");
    const variables = (guard.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    const guardSettings = JSON.parse(qualified(render(variables.CAPACITY_GUARD_SETTINGS, exports), "Monitoring")) as Record<string, unknown>;
    expect(guardSettings).toEqual({
      tableName: `{Database:${tableId}}`,
      indexNames,
      table: settings.database.table,
      indexes: settings.database.indexes,
      targetUtilizationPercent: settings.database.targetUtilizationPercent,
      capacityOfMaximumPercent: settings.alarms.capacityOfMaximumPercent,
      topicArn: `{Alerts:${topicId}}`,
    });
  });

  it("runs the guard's capacity check every hour", async () => {
    const synthesis = await synthesized(stage);
    const [guardId] = single(synthesis.resources("Monitoring", "AWS::Lambda::Function"), "CapacityGuard");
    const [, rule] = single(synthesis.resources("Monitoring", "AWS::Events::Rule"), "CapacityGuardSchedule");
    expect(rule.Properties).toMatchObject({ ScheduleExpression: "rate(1 hour)", State: "ENABLED" });
    expect(render((rule.Properties!.Targets as { Arn: unknown }[])[0]?.Arn)).toBe(`{${guardId}.Arn}`);
  });
});
