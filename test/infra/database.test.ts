import { RemovalPolicy } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { usersTable } from "../../packages/core/src/user/table.js";
import { stageSettings } from "../../stacks/stage-settings.js";
import { render } from "./helpers/cfn.js";
import { single, stages, synthesizeBeforeAll, synthesized, type StackId, type TestStage } from "./helpers/synthesis.js";

const indexNames = Object.keys(usersTable.globalIndexes);

describe.each(stages)("the Database stack of %s", (stage) => {
  synthesizeBeforeAll(stage);
  const { database, removalPolicy } = stageSettings(stage);
  const tableOf = async () => {
    const synthesis = await synthesized(stage);
    const [logicalId, table] = single(synthesis.resources("Database", "AWS::DynamoDB::Table"), "UsersTable");
    return { synthesis, logicalId, table, properties: table.Properties ?? {} };
  };

  it("declares the table from the one table definition: keys, index and TTL attribute", async () => {
    const { properties } = await tableOf();
    expect(properties.KeySchema).toEqual([
      { AttributeName: usersTable.primaryIndex.partitionKey, KeyType: "HASH" },
      { AttributeName: usersTable.primaryIndex.sortKey, KeyType: "RANGE" },
    ]);
    expect((properties.GlobalSecondaryIndexes as { IndexName: string }[]).map(({ IndexName }) => IndexName)).toEqual(indexNames);
    expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: usersTable.timeToLiveAttribute, Enabled: true });
  });

  it("provisions the table and every index at the stage's minimum capacity", async () => {
    const { properties } = await tableOf();
    // CloudFormation's default billing mode is PROVISIONED; on-demand would be spelled out.
    expect(properties.BillingMode ?? "PROVISIONED").toBe("PROVISIONED");
    expect(properties.ProvisionedThroughput).toEqual({
      ReadCapacityUnits: database.table.read.min,
      WriteCapacityUnits: database.table.write.min,
    });
    for (const index of properties.GlobalSecondaryIndexes as { ProvisionedThroughput: unknown }[]) {
      expect(index.ProvisionedThroughput).toEqual({
        ReadCapacityUnits: database.indexes.read.min,
        WriteCapacityUnits: database.indexes.write.min,
      });
    }
  });

  it("autoscales reads and writes of the table and of every index between the stage's bounds", async () => {
    const { synthesis, logicalId } = await tableOf();
    const targets = Object.values(synthesis.resources("Database", "AWS::ApplicationAutoScaling::ScalableTarget")).map(({ Properties = {} }) => ({
      resource: render(Properties.ResourceId),
      dimension: Properties.ScalableDimension,
      min: Properties.MinCapacity,
      max: Properties.MaxCapacity,
    }));
    const expected = [
      { resource: `table/{${logicalId}}`, dimension: "dynamodb:table:ReadCapacityUnits", bounds: database.table.read },
      { resource: `table/{${logicalId}}`, dimension: "dynamodb:table:WriteCapacityUnits", bounds: database.table.write },
      ...indexNames.flatMap((index) => [
        { resource: `table/{${logicalId}}/index/${index}`, dimension: "dynamodb:index:ReadCapacityUnits", bounds: database.indexes.read },
        { resource: `table/{${logicalId}}/index/${index}`, dimension: "dynamodb:index:WriteCapacityUnits", bounds: database.indexes.write },
      ]),
    ].map(({ resource, dimension, bounds }) => ({ resource, dimension, min: bounds.min, max: bounds.max }));
    expect(targets).toHaveLength(expected.length);
    expect(targets).toEqual(expect.arrayContaining(expected));
  });

  it("tracks the target utilization on every scalable target", async () => {
    const { synthesis } = await tableOf();
    const targetIds = Object.keys(synthesis.resources("Database", "AWS::ApplicationAutoScaling::ScalableTarget"));
    const policies = Object.values(synthesis.resources("Database", "AWS::ApplicationAutoScaling::ScalingPolicy"));
    expect(policies.map(({ Properties = {} }) => render(Properties.ScalingTargetId)).sort()).toEqual(targetIds.map((id) => `{${id}}`).sort());
    for (const { Properties = {} } of policies) {
      expect(Properties.PolicyType).toBe("TargetTrackingScaling");
      expect(Properties.TargetTrackingScalingPolicyConfiguration).toMatchObject({
        TargetValue: database.targetUtilizationPercent,
        PredefinedMetricSpecification: {
          PredefinedMetricType: expect.stringMatching(/^DynamoDB(Read|Write)CapacityUtilization$/),
        },
      });
    }
  });

  it("keeps point-in-time recovery and server-side encryption with the AWS managed KMS key on", async () => {
    const { properties } = await tableOf();
    expect(properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it(`${stage === "prod" ? "protects and retains" : "neither protects nor retains"} the table`, async () => {
    const { table, properties } = await tableOf();
    const retained = removalPolicy === RemovalPolicy.RETAIN;
    expect(retained).toBe(stage === "prod");
    expect(properties.DeletionProtectionEnabled).toBe(database.deletionProtection);
    expect(database.deletionProtection).toBe(stage === "prod");
    expect(table.DeletionPolicy).toBe(retained ? "Retain" : "Delete");
    expect(table.UpdateReplacePolicy).toBe(retained ? "Retain" : "Delete");
  });

  it("outputs the table name", async () => {
    const { synthesis, logicalId } = await tableOf();
    const outputs = synthesis.stack("Database").template.Outputs as Record<string, { Value: unknown }>;
    expect(render(outputs.TableName?.Value)).toBe(`{${logicalId}}`);
  });
});

describe("removing a stage", () => {
  synthesizeBeforeAll("pr-42");
  synthesizeBeforeAll("prod");
  const retained = async (stage: TestStage) => {
    const synthesis = await synthesized(stage);
    return synthesis.stacks.flatMap(({ id }) =>
      Object.entries(synthesis.resources(id as StackId))
        .filter(([, resource]) => resource.DeletionPolicy === "Retain")
        .map(([logicalId, resource]) => ({ logicalId, type: resource.Type })),
    );
  };

  it("leaves nothing of a pull-request preview behind: only function versions are retained, and they go with their functions", async () => {
    const kept = await retained("pr-42");
    expect(kept.length).toBeGreaterThan(0);
    expect(new Set(kept.map(({ type }) => type))).toEqual(new Set(["AWS::Lambda::Version"]));
  });

  it("keeps prod's data: the table, the API-keys secret and every log group", async () => {
    const keptTypes = new Set((await retained("prod")).map(({ type }) => type));
    for (const type of ["AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup", "AWS::Lambda::Version"]) {
      expect(keptTypes).toContain(type);
    }
    const synthesis = await synthesized("prod");
    for (const [id, group] of Object.entries(synthesis.resources("Api", "AWS::Logs::LogGroup"))) {
      expect(group.DeletionPolicy, id).toBe("Retain");
    }
  });
});
