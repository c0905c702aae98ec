import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GUARD_SETTINGS_VARIABLE, GuardSettings, capacityForDemand, demandPerSecond, nearMaximum, type MinuteReading } from "@users-api/core";
import { logger } from "../observability.js";
import { guardedDimensions, type GuardedDimension } from "./settings.js";

/**
 * The capacity guard (hand-written: DynamoDB has no step scaling, see
 * `packages/core/src/capacity/burst.ts`). Three triggers:
 *
 * - the `DynamoDbThrottled` alarm goes to ALARM: estimate each dimension's
 *   demand in the minute that throttled and raise its autoscaling minimum to
 *   it; Application Auto Scaling applies a minimum above the current capacity
 *   at once. Page when that needs most of the maximum.
 * - the alarm goes back to OK: put every minimum back to the stage's setting.
 *   Capacity stays; target tracking scales in after its 15 quiet minutes.
 * - hourly: page while any dimension is provisioned near its maximum (the
 *   capacity alarm, without four more alarm metrics to pay for).
 */

interface AlarmEvent {
  readonly source: "aws.cloudwatch";
  readonly alarmArn: string;
  readonly alarmData: { readonly alarmName: string; readonly state: { readonly value: string } };
}
interface ScheduledEvent {
  readonly source: "aws.events";
  readonly "detail-type": "Scheduled Event";
}
export type GuardEvent = AlarmEvent | ScheduledEvent;

export interface GuardClients {
  readonly cloudWatch: CloudWatchClient;
  readonly autoScaling: ApplicationAutoScalingClient;
  readonly dynamoDb: DynamoDBClient;
  readonly sns: SNSClient;
}

export interface GuardOutcome {
  /** Minimums raised, by dimension label. */
  readonly raised: Readonly<Record<string, number>>;
  /** Minimums put back to the setting, by dimension label. */
  readonly restored: Readonly<Record<string, number>>;
  /** Subjects of the pages sent. */
  readonly paged: readonly string[];
}

/** Consumed units (Sum and SampleCount) and throttle events of every dimension, per minute, over the last minutes. */
async function latestMinute(clients: GuardClients, settings: GuardSettings, dimensions: readonly GuardedDimension[], now: Date) {
  const metric = (dimension: GuardedDimension, name: string, stat: string, id: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: "AWS/DynamoDB",
        MetricName: name,
        Dimensions: [
          { Name: "TableName", Value: settings.tableName },
          ...(dimension.indexName ? [{ Name: "GlobalSecondaryIndexName", Value: dimension.indexName }] : []),
        ],
      },
      Period: 60,
      Stat: stat,
    },
  });
  const queries = dimensions.flatMap((dimension, i) => {
    const kind = dimension.kind === "read" ? "Read" : "Write";
    return [
      metric(dimension, `Consumed${kind}CapacityUnits`, "Sum", `consumed${i}`),
      metric(dimension, `Consumed${kind}CapacityUnits`, "SampleCount", `requests${i}`),
      metric(dimension, `${kind}ThrottleEvents`, "Sum", `throttled${i}`),
    ];
  });
  const { MetricDataResults = [] } = await clients.cloudWatch.send(
    new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(now.getTime() - 5 * 60_000), EndTime: now }),
  );
  const series = new Map(MetricDataResults.map((result) => [result.Id, result]));
  // The newest minute any dimension throttled in: the one the alarm fired on.
  const throttledMinutes = dimensions.flatMap((_, i) => {
    const result = series.get(`throttled${i}`);
    return (result?.Timestamps ?? []).filter((_, j) => (result?.Values?.[j] ?? 0) > 0).map((time) => time.getTime());
  });
  const minute = throttledMinutes.length > 0 ? Math.max(...throttledMinutes) : undefined;
  const valueAt = (id: string) => {
    const result = series.get(id);
    const j = (result?.Timestamps ?? []).findIndex((time) => time.getTime() === minute);
    return j < 0 ? 0 : (result?.Values?.[j] ?? 0);
  };
  return dimensions.map(
    (_, i): MinuteReading => ({ consumedUnits: valueAt(`consumed${i}`), requests: valueAt(`requests${i}`), throttleEvents: valueAt(`throttled${i}`) }),
  );
}

/** Provisioned units of each dimension now. */
async function provisioned(clients: GuardClients, settings: GuardSettings, dimensions: readonly GuardedDimension[]) {
  const { Table } = await clients.dynamoDb.send(new DescribeTableCommand({ TableName: settings.tableName }));
  return dimensions.map((dimension) => {
    const throughput = dimension.indexName
      ? Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === dimension.indexName)?.ProvisionedThroughput
      : Table?.ProvisionedThroughput;
    return (dimension.kind === "read" ? throughput?.ReadCapacityUnits : throughput?.WriteCapacityUnits) ?? 0;
  });
}

const setMinimum = (clients: GuardClients, dimension: GuardedDimension, minCapacity: number) =>
  clients.autoScaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: "dynamodb",
      ResourceId: dimension.resourceId,
      ScalableDimension: dimension.scalableDimension,
      MinCapacity: minCapacity,
    }),
  );

async function page(clients: GuardClients, settings: GuardSettings, subject: string, lines: readonly string[]) {
  await clients.sns.send(new PublishCommand({ TopicArn: settings.topicArn, Subject: subject.slice(0, 99), Message: lines.join("\n") }));
  return subject;
}

export async function guardCapacity(event: GuardEvent, settings: GuardSettings, clients: GuardClients, now = new Date()): Promise<GuardOutcome> {
  const dimensions = guardedDimensions(settings);
  const raised: Record<string, number> = {};
  const restored: Record<string, number> = {};
  const paged: string[] = [];
  const near = (units: number, dimension: GuardedDimension) => nearMaximum(units, dimension.bounds, settings.capacityOfMaximumPercent);

  if (event.source === "aws.cloudwatch" && event.alarmData.state.value === "ALARM") {
    const [readings, current] = await Promise.all([latestMinute(clients, settings, dimensions, now), provisioned(clients, settings, dimensions)]);
    const crowded: string[] = [];
    for (const [i, dimension] of dimensions.entries()) {
      const demand = demandPerSecond(readings[i]!);
      const wanted = capacityForDemand(demand, dimension.bounds, settings.targetUtilizationPercent);
      if (readings[i]!.throttleEvents > 0 && wanted > current[i]!) {
        await setMinimum(clients, dimension, wanted);
        raised[dimension.label] = wanted;
      }
      if (readings[i]!.throttleEvents > 0 && near(Math.ceil(demand / (settings.targetUtilizationPercent / 100)), dimension)) {
        crowded.push(`${dimension.label}: demand ${demand.toFixed(1)} units/s, maximum ${dimension.bounds.max}`);
      }
    }
    logger.info("capacity guard: DynamoDB throttled", { raised });
    if (crowded.length > 0) {
      paged.push(await page(clients, settings, `${settings.tableName}: throttled demand near the autoscaling maximum`, crowded));
    }
  } else if (event.source === "aws.cloudwatch" && event.alarmData.state.value === "OK") {
    const { ScalableTargets = [] } = await clients.autoScaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "dynamodb", ResourceIds: [...new Set(dimensions.map((dimension) => dimension.resourceId))] }),
    );
    for (const dimension of dimensions) {
      const target = ScalableTargets.find(
        (candidate) => candidate.ResourceId === dimension.resourceId && candidate.ScalableDimension === dimension.scalableDimension,
      );
      if (target && target.MinCapacity !== dimension.bounds.min) {
        await setMinimum(clients, dimension, dimension.bounds.min);
        restored[dimension.label] = dimension.bounds.min;
      }
    }
    logger.info("capacity guard: throttling over, minimums restored", { restored });
  } else if (event.source === "aws.events") {
    const current = await provisioned(clients, settings, dimensions);
    const crowded = dimensions.flatMap((dimension, i) =>
      near(current[i]!, dimension) ? [`${dimension.label}: ${current[i]} of at most ${dimension.bounds.max} units provisioned`] : [],
    );
    if (crowded.length > 0) paged.push(await page(clients, settings, `${settings.tableName}: capacity near the autoscaling maximum`, crowded));
  }
  return { raised, restored, paged };
}

const clients: GuardClients = {
  cloudWatch: new CloudWatchClient({}),
  autoScaling: new ApplicationAutoScalingClient({}),
  dynamoDb: new DynamoDBClient({}),
  sns: new SNSClient({}),
};

export const handler = async (event: GuardEvent) =>
  guardCapacity(event, GuardSettings.parse(JSON.parse(process.env[GUARD_SETTINGS_VARIABLE] ?? "{}")), clients);
