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

/**
 * Extracts what has a price from the templates: functions (memory,
 * architecture, tracing), DynamoDB autoscaling bounds of the table and each
 * index, alarms, dashboards, secrets and log retention. Only functions named
 * in `functionIds` are counted (CDK's own custom-resource functions cost nothing measurable).
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
  return {
    functions,
    capacity,
    alarms: resourcesOf(templates, "AWS::CloudWatch::Alarm").length,
    dashboards: resourcesOf(templates, "AWS::CloudWatch::Dashboard").length,
    secrets: resourcesOf(templates, "AWS::SecretsManager::Secret").length,
    logRetentionDays: retentions.length > 0 ? Math.max(...retentions) : 30,
  };
}
