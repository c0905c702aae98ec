import { describe, expect, it } from "vitest";
import { bindingVariables, grantsOf, type GrantTargets } from "../../src/api/grants.js";
import { authorizer, routes } from "../../src/api/routes.js";

const targets: GrantTargets = {
  app: "users-api",
  stage: "dev",
  tableArn: "TABLE",
  apiKeysSecretArn: "SECRET",
  ssmParameterArn: (path) => `SSM:${path}`,
};
const values = { tableName: "dev-users-api-Users", apiKeysSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:keys" };

describe("grantsOf", () => {
  it("points each statement at the resources the targets give: the stack's references or the local ARNs", () => {
    expect(grantsOf(routes.listUsers, targets)).toEqual([
      { actions: ["dynamodb:Query"], resources: ["TABLE/index/byCreatedAt"] },
      {
        actions: ["ssm:GetParameters"],
        resources: ["SSM:/sst/users-api/dev/Secret/CURSOR_SECRET/value", "SSM:/sst/users-api/.fallback/Secret/CURSOR_SECRET/value"],
      },
    ]);
  });

  it("grants CreateUser writes only: it never reads a user", () => {
    expect(grantsOf(routes.createUser, targets)).toEqual([
      { actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], resources: ["TABLE"] },
    ]);
  });
});

describe("bindingVariables", () => {
  it.each([
    [routes.getUser.id, routes.getUser, { SST_Table_tableName_Users: values.tableName }],
    [routes.listUsers.id, routes.listUsers, { SST_Table_tableName_Users: values.tableName, SST_Secret_value_CURSOR_SECRET: "__FETCH_FROM_SSM__" }],
    [authorizer.id, authorizer, { SST_Parameter_value_API_KEYS_SECRET_ARN: values.apiKeysSecretArn }],
  ])("sets %s's bindings as SST does, and no other", (_id, definition, expected) => {
    expect(bindingVariables(definition, values)).toEqual(expected);
  });
});
