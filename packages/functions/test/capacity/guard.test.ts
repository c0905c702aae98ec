import { randomUUID } from "node:crypto";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { CreateTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { GuardSettings } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { guardCapacity, type GuardClients, type GuardEvent } from "../../src/capacity/guard.js";
import { guardedDimensions } from "../../src/capacity/settings.js";
import { emulatorEndpoints } from "../helpers/local-stage.js";

/**
 * The capacity guard against moto: CloudWatch holds DynamoDB's metrics of a
 * throttled minute, Application Auto Scaling the table's scalable targets,
 * DynamoDB (moto's) the provisioned capacity, SNS the alerts topic.
 */

const client = <T>(Client: new (config: object) => T) =>
  new Client({ region: "us-east-1", endpoint: emulatorEndpoints().moto, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
const clients: GuardClients = {
  cloudWatch: client(CloudWatchClient),
  autoScaling: client(ApplicationAutoScalingClient),
  dynamoDb: client(DynamoDBClient),
  sns: client(SNSClient),
};

let settings: GuardSettings;
const alarm = (state: "ALARM" | "OK"): GuardEvent => ({
  source: "aws.cloudwatch",
  alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-users-api-DynamoDbThrottled",
  alarmData: { alarmName: "test-users-api-DynamoDbThrottled", state: { value: state } },
});
const minimums = async () => {
  const { ScalableTargets = [] } = await clients.autoScaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: "dynamodb",
      ResourceIds: [`table/${settings.tableName}`, `table/${settings.tableName}/index/byCreatedAt`],
    }),
  );
  return Object.fromEntries(ScalableTargets.map((target) => [`${target.ResourceId} ${target.ScalableDimension}`, target.MinCapacity]));
};

/** One minute of DynamoDB's metrics for a dimension: `consumed` units over `requests` requests, and throttle events. */
const minuteOf = (
  at: Date,
  tableName: string,
  index: string | undefined,
  kind: "Read" | "Write",
  consumed: number,
  requests: number,
  throttled: number,
): MetricDatum[] => {
  const Dimensions = [{ Name: "TableName", Value: tableName }, ...(index ? [{ Name: "GlobalSecondaryIndexName", Value: index }] : [])];
  return [
    {
      MetricName: `Consumed${kind}CapacityUnits`,
      Dimensions,
      Timestamp: at,
      StatisticValues: { Sum: consumed, SampleCount: requests, Minimum: 1, Maximum: 1 },
    },
    { MetricName: `${kind}ThrottleEvents`, Dimensions, Timestamp: at, Value: throttled },
  ];
};

beforeAll(async () => {
  const tableName = `guard-${randomUUID().slice(0, 8)}`;
  await clients.dynamoDb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ["pk", "sk", "listPk", "listSk"].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      GlobalSecondaryIndexes: [
        {
          IndexName: "byCreatedAt",
          KeySchema: [
            { AttributeName: "listPk", KeyType: "HASH" },
            { AttributeName: "listSk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
          ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
        },
      ],
    }),
  );
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: `${tableName}-alarms` }));
  settings = {
    tableName,
    indexNames: ["byCreatedAt"],
    table: { read: { min: 1, max: 400 }, write: { min: 1, max: 400 } },
    indexes: { read: { min: 1, max: 200 }, write: { min: 1, max: 200 } },
    targetUtilizationPercent: 70,
    capacityOfMaximumPercent: 80,
    topicArn: TopicArn!,
  };
  for (const dimension of guardedDimensions(settings)) {
    await clients.autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "dynamodb",
        ResourceId: dimension.resourceId,
        ScalableDimension: dimension.scalableDimension,
        MinCapacity: dimension.bounds.min,
        MaxCapacity: dimension.bounds.max,
      }),
    );
  }
});

describe("the capacity guard", () => {
  it("raises the minimum of each throttled dimension to that minute's whole demand at the target, and only of those", async () => {
    // Prepare: table reads served 300 units in 300 requests and refused 2,100 more; index writes served 120 in 60 and refused 60.
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await clients.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: "AWS/DynamoDB",
        MetricData: [
          ...minuteOf(minute, settings.tableName, undefined, "Read", 300, 300, 2100),
          ...minuteOf(minute, settings.tableName, undefined, "Write", 60, 60, 0),
          ...minuteOf(minute, settings.tableName, "byCreatedAt", "Read", 30, 30, 0),
          ...minuteOf(minute, settings.tableName, "byCreatedAt", "Write", 120, 60, 60),
        ],
      }),
    );

    // Act
    const outcome = await guardCapacity(alarm("ALARM"), settings, clients);

    // Assess: (300 + 2100 × 1) / 60 = 40 units/s → 58 at 70 %; (120 + 60 × 2) / 60 = 4 units/s → 6.
    expect(outcome.raised).toEqual({ "table reads": 58, "index byCreatedAt writes": 6 });
    expect(await minimums()).toMatchObject({
      [`table/${settings.tableName} dynamodb:table:ReadCapacityUnits`]: 58,
      [`table/${settings.tableName} dynamodb:table:WriteCapacityUnits`]: 1,
      [`table/${settings.tableName}/index/byCreatedAt dynamodb:index:ReadCapacityUnits`]: 1,
      [`table/${settings.tableName}/index/byCreatedAt dynamodb:index:WriteCapacityUnits`]: 6,
    });
    expect(outcome.paged).toEqual([]);
  });

  it("puts every minimum back to the stage's setting once the alarm is OK again", async () => {
    const outcome = await guardCapacity(alarm("OK"), settings, clients);
    expect(outcome.restored).toEqual({ "table reads": 1, "index byCreatedAt writes": 1 });
    expect(new Set(Object.values(await minimums()))).toEqual(new Set([1]));
  });

  it("pages when the throttled demand needs most of the autoscaling maximum", async () => {
    // A later minute than the first test's, so it is the newest one that throttled.
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
    await clients.cloudWatch.send(
      new PutMetricDataCommand({ Namespace: "AWS/DynamoDB", MetricData: minuteOf(minute, settings.tableName, undefined, "Write", 600, 300, 9000) }),
    );
    const outcome = await guardCapacity(alarm("ALARM"), settings, clients, new Date(minute.getTime() + 59_000));
    expect(outcome.raised).toEqual({ "table writes": 400 });
    expect(outcome.paged).toEqual([`${settings.tableName}: throttled demand near the autoscaling maximum`]);
    await guardCapacity(alarm("OK"), settings, clients);
  });

  it("pages on its hourly check while capacity is provisioned near the maximum, and stays quiet otherwise", async () => {
    const hourly: GuardEvent = { source: "aws.events", "detail-type": "Scheduled Event" };
    expect((await guardCapacity(hourly, settings, clients)).paged).toEqual([]);

    await clients.dynamoDb.send(
      new UpdateTableCommand({ TableName: settings.tableName, ProvisionedThroughput: { ReadCapacityUnits: 330, WriteCapacityUnits: 5 } }),
    );
    expect((await guardCapacity(hourly, settings, clients)).paged).toEqual([`${settings.tableName}: capacity near the autoscaling maximum`]);
  });
});
