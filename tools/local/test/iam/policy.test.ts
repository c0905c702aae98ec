import { authorizer, routes } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { grantsOf, isAllowed, localGrantTargets } from "../../src/iam/index.js";
import type { LocalStage } from "@users-api/emulators/stage";

const stage: LocalStage = {
  app: "users-api",
  stage: "dev",
  region: "eu-west-1",
  endpoints: { dynamoDb: "http://127.0.0.1:1", moto: "http://127.0.0.1:2" },
  tableName: "dev-users-api-Users",
  apiKeysSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:users-api/dev/api-keys-AbCdEf",
};
const table = "arn:aws:dynamodb:eu-west-1:123456789012:table/dev-users-api-Users";

describe("grantsOf", () => {
  it("grants ListUsers Query on the index only, and GetParameters on both paths of the cursor secret", () => {
    expect(grantsOf(routes.listUsers, localGrantTargets(stage))).toEqual([
      { actions: ["dynamodb:Query"], resources: [`${table}/index/byCreatedAt`] },
      {
        actions: ["ssm:GetParameters"],
        resources: [
          "arn:aws:ssm:eu-west-1:123456789012:parameter/sst/users-api/dev/Secret/CURSOR_SECRET/value",
          "arn:aws:ssm:eu-west-1:123456789012:parameter/sst/users-api/.fallback/Secret/CURSOR_SECRET/value",
        ],
      },
    ]);
  });

  it("grants a table route exactly its table actions on the table", () => {
    expect(grantsOf(routes.replaceUser, localGrantTargets(stage))).toEqual([
      { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [table] },
    ]);
  });

  it("grants the authorizer GetSecretValue on the API-keys secret and nothing else", () => {
    expect(grantsOf(authorizer, localGrantTargets(stage))).toEqual([{ actions: ["secretsmanager:GetSecretValue"], resources: [stage.apiKeysSecretArn] }]);
  });

  it("grants nothing for table access the function is not bound to, as the stack binds only bound resources", () => {
    const unbound = { ...routes.getUser, bind: [] };
    expect(grantsOf(unbound, localGrantTargets(stage))).toEqual([]);
  });
});

describe("isAllowed", () => {
  const statements = [
    { actions: ["dynamodb:GetItem"], resources: [table] },
    { actions: ["dynamodb:*"], resources: [`${table}/index/*`] },
    { actions: ["ssm:GetParameter?"], resources: ["arn:aws:ssm:*:123456789012:parameter/sst/*"] },
  ];

  it.each([
    ["dynamodb:GetItem", table, true],
    ["dynamodb:getitem", table, true],
    ["dynamodb:PutItem", table, false],
    ["dynamodb:GetItem", `${table}/index/byCreatedAt`, true],
    ["dynamodb:GetRecords", `${table}/stream/2024`, false],
    ["dynamodb:Query", `${table}/index/byCreatedAt`, true],
    ["dynamodb:Query", table, false],
    ["dynamodb:GetItem", `${table}-copy`, false],
    ["ssm:GetParameters", "arn:aws:ssm:eu-west-1:123456789012:parameter/sst/a/b", true],
    ["ssm:GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/sst/a/b", false],
    ["ssm:GetParameters", "arn:aws:ssm:eu-west-1:123456789012:parameter/other", false],
  ])("%s on %s is allowed: %s", (action, resource, expected) => {
    expect(isAllowed(statements, action, resource)).toBe(expected);
  });

  it("denies everything when no statement exists", () => {
    expect(isAllowed([], "dynamodb:GetItem", "*")).toBe(false);
  });
});
