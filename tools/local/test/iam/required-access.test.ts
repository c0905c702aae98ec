import { describe, expect, it } from "vitest";
import { operationOf, requiredAccess, type AwsService } from "../../src/iam/index.js";

const scope = { region: "us-east-1", account: "123456789012" };
const table = "arn:aws:dynamodb:us-east-1:123456789012:table/Users";
const other = "arn:aws:dynamodb:us-east-1:123456789012:table/Other";
const context = {
  scope,
  resolveSecretArn: async (id: string) => (id.startsWith("arn:") ? id : `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`),
};

describe("operationOf", () => {
  it.each([
    ["DynamoDB_20120810.GetItem", { service: "dynamodb", operation: "GetItem" }],
    ["secretsmanager.GetSecretValue", { service: "secretsmanager", operation: "GetSecretValue" }],
    ["AmazonSSM.GetParameters", { service: "ssm", operation: "GetParameters" }],
    ["Kinesis_20131202.PutRecord", undefined],
    [undefined, undefined],
  ])("reads %s", (target, expected) => {
    expect(operationOf(target)).toEqual(expected);
  });
});

describe("requiredAccess", () => {
  it.each<[string, AwsService, string, unknown, { action: string; resource: string }[]]>([
    [
      "a single-item call needs its action on the table",
      "dynamodb",
      "PutItem",
      { TableName: "Users", Item: {} },
      [{ action: "dynamodb:PutItem", resource: table }],
    ],
    [
      "a Query with IndexName needs Query on the index",
      "dynamodb",
      "Query",
      { TableName: "Users", IndexName: "byCreatedAt" },
      [{ action: "dynamodb:Query", resource: `${table}/index/byCreatedAt` }],
    ],
    [
      "a Scan with IndexName needs Scan on the index",
      "dynamodb",
      "Scan",
      { TableName: "Users", IndexName: "byCreatedAt" },
      [{ action: "dynamodb:Scan", resource: `${table}/index/byCreatedAt` }],
    ],
    ["a table ARN in TableName is used as is", "dynamodb", "GetItem", { TableName: table, Key: {} }, [{ action: "dynamodb:GetItem", resource: table }]],
    [
      "a write transaction needs each item's own action on its table",
      "dynamodb",
      "TransactWriteItems",
      {
        TransactItems: [
          { Put: { TableName: "Users" } },
          { Update: { TableName: "Other" } },
          { Delete: { TableName: "Users" } },
          { ConditionCheck: { TableName: "Users" } },
        ],
      },
      [
        { action: "dynamodb:PutItem", resource: table },
        { action: "dynamodb:UpdateItem", resource: other },
        { action: "dynamodb:DeleteItem", resource: table },
        { action: "dynamodb:ConditionCheckItem", resource: table },
      ],
    ],
    [
      "a read transaction needs GetItem",
      "dynamodb",
      "TransactGetItems",
      { TransactItems: [{ Get: { TableName: "Users" } }] },
      [{ action: "dynamodb:GetItem", resource: table }],
    ],
    [
      "a batch needs the batch action on every table",
      "dynamodb",
      "BatchWriteItem",
      { RequestItems: { Users: [], Other: [] } },
      [
        { action: "dynamodb:BatchWriteItem", resource: table },
        { action: "dynamodb:BatchWriteItem", resource: other },
      ],
    ],
    ["ListTables is on every resource", "dynamodb", "ListTables", {}, [{ action: "dynamodb:ListTables", resource: "*" }]],
    [
      "a secret named by name is judged by its full ARN",
      "secretsmanager",
      "GetSecretValue",
      { SecretId: "app/keys" },
      [{ action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/keys-AbCdEf" }],
    ],
    [
      "a batch of secrets needs BatchGetSecretValue and GetSecretValue on each",
      "secretsmanager",
      "BatchGetSecretValue",
      { SecretIdList: ["a"] },
      [
        { action: "secretsmanager:BatchGetSecretValue", resource: "*" },
        { action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf" },
      ],
    ],
    [
      "GetParameters needs the action on every parameter, versions stripped",
      "ssm",
      "GetParameters",
      { Names: ["/sst/app/dev/Secret/X/value", "plain:3"] },
      [
        { action: "ssm:GetParameters", resource: "arn:aws:ssm:us-east-1:123456789012:parameter/sst/app/dev/Secret/X/value" },
        { action: "ssm:GetParameters", resource: "arn:aws:ssm:us-east-1:123456789012:parameter/plain" },
      ],
    ],
    [
      "GetParameter needs the action on its parameter",
      "ssm",
      "GetParameter",
      { Name: "/a/b" },
      [{ action: "ssm:GetParameter", resource: "arn:aws:ssm:us-east-1:123456789012:parameter/a/b" }],
    ],
  ])("%s", async (_, service, operation, body, expected) => {
    expect(await requiredAccess(service, operation, body, context)).toEqual(expected);
  });

  it("rejects a body that is not the operation's JSON object", async () => {
    await expect(requiredAccess("dynamodb", "GetItem", { TableName: 7 }, context)).rejects.toThrow(/TableName/);
  });
});
