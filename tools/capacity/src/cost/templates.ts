import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DeploymentFacts } from "./model.js";

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
type Template = { readonly Resources?: Record<string, Resource> };

/** Reads every `*.template.json` a synthesis wrote (e.g. `.sst/cdk.out`). */
export function readTemplates(directory: string): Template[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".template.json"))
    .map((file) => JSON.parse(readFileSync(join(directory, file), "utf8")) as Template);
}

const resourcesOf = (templates: readonly Template[], type: string) =>
  templates.flatMap((template) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ logicalId, properties: resource.Properties ?? {} })),
  );

/** A construct's logical id is its id plus CDK's 8-character hash. */
const constructIdOf = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, "");

/** Alarm metrics of one alarm: its one metric, or every metric (not expression) a metric-math alarm reads. */
const alarmMetricsOf = (properties: Record<string, unknown>) =>
  properties.MetricName !== undefined ? 1 : ((properties.Metrics as { MetricStat?: unknown }[] | undefined) ?? []).filter((query) => query.MetricStat).length;

/** Joins a `Fn::Join` of literal text and intrinsics into text, each intrinsic as a placeholder that is valid inside a JSON string. */
function flattenJoin(value: unknown): string {
  if (typeof value === "string") return value;
  const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (!join) return `token-${JSON.stringify(value).replace(/[^A-Za-z0-9]/g, "")}`;
  return join[1].map(flattenJoin).join(join[0]);
}

/** Distinct metrics (namespace, name, dimensions) a dashboard's widgets reference; math and search expressions are not metrics. */
export function dashboardMetrics(body: unknown): number {
  const parsed = JSON.parse(flattenJoin(body)) as { widgets: { properties?: { metrics?: unknown[][] } }[] };
  const metrics = new Set<string>();
  for (const widget of parsed.widgets) {
    for (const line of widget.properties?.metrics ?? []) {
      if (typeof line[0] !== "string") continue;
      const fields = line.filter((field) => typeof field === "string");
      metrics.add(JSON.stringify(fields));
    }
  }
  return metrics.size;
}

/** `rate(1 hour)` and friends, as invocations a day. */
function invocationsPerDay(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!rate) throw new Error(`Only rate() schedules are priced, not ${expression}`);
  const minutes = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 }[rate[2] as "minute"]!;
  return 1440 / (Number(rate[1]) * minutes);
}

/**
 * Extracts what has a price from the templates: functions (memory,
 * architecture, tracing), DynamoDB autoscaling bounds and target-tracking
 * policies, alarms and the metrics each reads, dashboards and the metrics
 * they reference, secrets, log retention, the X-Ray sampling rule and
 * scheduled rules. Only functions named in `functionIds` are counted (CDK's
 * own custom-resource functions cost nothing measurable).
 */
export function deploymentFacts(templates: readonly Template[], functionIds: readonly string[]): DeploymentFacts {
  const functions = resourcesOf(templates, "AWS::Lambda::Function")
    .filter(({ logicalId }) => functionIds.includes(constructIdOf(logicalId)))
    .map(({ logicalId, properties }) => ({
      id: constructIdOf(logicalId),
      memoryMb: Number(properties.MemorySize ?? 128),
      architecture: (properties.Architectures as string[] | undefined)?.[0] === "arm64" ? ("arm64" as const) : ("x86_64" as const),
      tracing: (properties.TracingConfig as { Mode?: string } | undefined)?.Mode === "Active",
    }));

  const targets = resourcesOf(templates, "AWS::ApplicationAutoScaling::ScalableTarget").map(({ logicalId, properties }) => ({
    logicalId,
    dimension: String(properties.ScalableDimension),
    min: Number(properties.MinCapacity),
    max: Number(properties.MaxCapacity),
    resourceId: JSON.stringify(properties.ResourceId),
  }));
  const policies = resourcesOf(templates, "AWS::ApplicationAutoScaling::ScalingPolicy");
  const targetOf = (logicalId: string) =>
    policies.find(({ properties }) => JSON.stringify(properties.ScalingTargetId ?? "").includes(logicalId))?.properties
      .TargetTrackingScalingPolicyConfiguration as { TargetValue?: number } | undefined;

  const groups = new Map<string, DeploymentFacts["capacity"][number]>();
  for (const target of targets) {
    const scope = target.dimension.startsWith("dynamodb:index") ? "index" : "table";
    const indexName = /index\/([A-Za-z0-9_.-]+)/.exec(target.resourceId)?.[1];
    const name = scope === "index" ? `index ${indexName ?? "?"}` : "table";
    const bounds = { min: target.min, max: target.max };
    const current = groups.get(name) ?? { name, read: { min: 0, max: 0 }, write: { min: 0, max: 0 }, targetUtilizationPercent: 70 };
    groups.set(name, {
      ...current,
      ...(target.dimension.endsWith("ReadCapacityUnits") ? { read: bounds } : { write: bounds }),
      targetUtilizationPercent: targetOf(target.logicalId)?.TargetValue ?? current.targetUtilizationPercent,
    });
  }
  const capacity = [...groups.values()].sort((a, b) => (a.name === "table" ? -1 : b.name === "table" ? 1 : a.name.localeCompare(b.name)));

  // Function log groups get their retention through CDK's LogRetention custom resource.
  const retentions = [...resourcesOf(templates, "AWS::Logs::LogGroup"), ...resourcesOf(templates, "Custom::LogRetention")]
    .map(({ properties }) => Number(properties.RetentionInDays ?? 0))
    .filter((days) => days > 0);
  const [rule] = resourcesOf(templates, "AWS::XRay::SamplingRule").map(
    ({ properties }) => properties.SamplingRule as { ReservoirSize: number; FixedRate: number },
  );
  return {
    functions,
    capacity,
    alarms: resourcesOf(templates, "AWS::CloudWatch::Alarm").map(({ logicalId, properties }) => ({
      id: constructIdOf(logicalId),
      metrics: alarmMetricsOf(properties),
    })),
    compositeAlarms: resourcesOf(templates, "AWS::CloudWatch::CompositeAlarm").length,
    dynamoDbTargetTrackingPolicies: policies.filter(
      ({ properties }) =>
        properties.PolicyType === "TargetTrackingScaling" &&
        /^DynamoDB(Read|Write)CapacityUtilization$/.test(
          String(
            (properties.TargetTrackingScalingPolicyConfiguration as { PredefinedMetricSpecification?: { PredefinedMetricType?: string } })
              ?.PredefinedMetricSpecification?.PredefinedMetricType,
          ),
        ),
    ).length,
    dashboards: resourcesOf(templates, "AWS::CloudWatch::Dashboard").map(({ properties }) => ({ metrics: dashboardMetrics(properties.DashboardBody) })),
    secrets: resourcesOf(templates, "AWS::SecretsManager::Secret").length,
    logRetentionDays: retentions.length > 0 ? Math.max(...retentions) : 30,
    sampling: rule ? { reservoirPerSecond: Number(rule.ReservoirSize), fixedRate: Number(rule.FixedRate) } : undefined,
    scheduledInvocationsPerDay: resourcesOf(templates, "AWS::Events::Rule")
      .map(({ properties }) => properties.ScheduleExpression)
      .filter((expression): expression is string => typeof expression === "string")
      .reduce((total, expression) => total + invocationsPerDay(expression), 0),
  };
}
