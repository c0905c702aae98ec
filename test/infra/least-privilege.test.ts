import { describe, expect, it } from "vitest";
import { emptyApiKeyStore } from "../../packages/core/src/apikey/apikey.js";
import { grantsOf as productGrantsOf } from "../../packages/core/src/api/grants.js";
import { authorizer, routeList, type FunctionDefinition } from "../../packages/core/src/api/routes.js";
import { apiResources } from "./helpers/api-template.js";
import { asList, exportsOf, qualified, render, type Statement } from "./helpers/cfn.js";
import { single, stages, synthesizeBeforeAll, synthesized, type StackId, type TestStage } from "./helpers/synthesis.js";

/** AWS offers no resource narrower than `*` for these actions; they are the only ones allowed on `*`. */
const X_RAY_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
/** The capacity guard's metric reads and autoscaling calls have no narrower resource either (stacks/capacity-guard.ts). */
const CAPACITY_GUARD_UNSCOPED_ACTIONS = [
  "application-autoscaling:DescribeScalableTargets",
  "application-autoscaling:RegisterScalableTarget",
  "cloudwatch:GetMetricData",
];

const stackIds: StackId[] = ["Database", "Secrets", "Alerts", "Api", "Monitoring"];

/** Every identity-policy statement of the stage, with the role it is attached to, references qualified by stack. */
async function policiesOf(stage: TestStage) {
  const synthesis = await synthesized(stage);
  const exports = exportsOf(synthesis.stacks);
  const statements = stackIds.flatMap((stackId) => {
    const read = (value: unknown) => qualified(render(value, exports), stackId);
    const attached = Object.values(synthesis.resources(stackId, "AWS::IAM::Policy")).flatMap(({ Properties = {} }) =>
      asList(Properties.Roles).flatMap((role) =>
        (Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({ role: read(role), statement })),
      ),
    );
    const inline = Object.entries(synthesis.resources(stackId, "AWS::IAM::Role")).flatMap(([roleId, { Properties = {} }]) =>
      asList(Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(({ PolicyDocument }) =>
        PolicyDocument.Statement.map((statement) => ({ role: `{${stackId}:${roleId}}`, statement })),
      ),
    );
    return [...attached, ...inline].map(({ role, statement }) => ({
      role,
      statement,
      effect: statement.Effect,
      actions: asList(statement.Action).sort(),
      resources: asList(statement.Resource).map(read).sort(),
    }));
  });
  return { synthesis, statements };
}

/** The statements of one function's role, in the Api stack. */
async function grantsOf(stage: TestStage, definition: FunctionDefinition) {
  const { synthesis, statements } = await policiesOf(stage);
  const { functions } = apiResources(synthesis);
  const own = functions.find((candidate) => candidate.definition.id === definition.id);
  const roleId = render(own?.fn.Properties?.Role).match(/^\{(\w+)\.Arn\}$/)?.[1];
  const [tableId] = single(synthesis.resources("Database", "AWS::DynamoDB::Table"), "UsersTable");
  const [secretId] = single(synthesis.resources("Secrets", "AWS::SecretsManager::Secret"), "ApiKeys");
  const logGroup = render((own!.fn.Properties!.LoggingConfig as { LogGroup: unknown }).LogGroup).slice(1, -1);
  const grants = statements
    .filter(({ role }) => role === `{Api:${roleId}}`)
    .flatMap(({ effect, actions, resources }) => actions.flatMap((action) => resources.map((resource) => `${effect} ${action} ${resource}`)));
  return { grants, tableArn: `{Database:${tableId}.Arn}`, secretArn: `{Secrets:${secretId}}`, logGroupArn: `{Api:${logGroup}.Arn}` };
}

/** What a function definition says its role may do, beyond logging and tracing. */
function expectedGrants(definition: FunctionDefinition, stage: string, arns: { tableArn: string; secretArn: string }) {
  const { table = [], indexes = {} } = definition.tableAccess;
  return [
    ...table.map((action) => `Allow ${action} ${arns.tableArn}`),
    ...Object.entries(indexes).flatMap(([index, actions]) => (actions ?? []).map((action) => `Allow ${action} ${arns.tableArn}/index/${index}`)),
    ...definition.apiKeysSecretAccess.map((action) => `Allow ${action} ${arns.secretArn}`),
    ...(definition.bind.includes("cursorSecret")
      ? ["value", ".fallback"].map(
          (where) =>
            `Allow ssm:GetParameters arn:{AWS::Partition}:ssm:us-east-1:123456789012:parameter/sst/users-api/${where === "value" ? stage : ".fallback"}/Secret/CURSOR_SECRET/value`,
        )
      : []),
  ];
}

describe.each(stages)("least privilege in %s", (stage) => {
  synthesizeBeforeAll(stage);

  it.each([...routeList, authorizer].map((definition) => [definition.id, definition] as const))(
    "grants %s exactly what its definition in routes.ts lists, its own log group and X-Ray",
    async (_id, definition) => {
      const { grants, logGroupArn, ...arns } = await grantsOf(stage, definition);
      expect(grants.sort()).toEqual(
        [
          ...expectedGrants(definition, stage, arns),
          `Allow logs:CreateLogStream ${logGroupArn}`,
          `Allow logs:PutLogEvents ${logGroupArn}`,
          ...X_RAY_ACTIONS.map((action) => `Allow ${action} *`),
        ].sort(),
      );
    },
  );

  it.each([...routeList, authorizer].map((definition) => [definition.id, definition] as const))(
    "attaches to %s's role exactly the statements grants.ts gives it, which the local IAM proxy enforces",
    async (_id, definition) => {
      const { grants, tableArn, secretArn } = await grantsOf(stage, definition);
      const targets = {
        app: "users-api",
        stage,
        tableArn,
        apiKeysSecretArn: secretArn,
        ssmParameterArn: (path: string) => `arn:{AWS::Partition}:ssm:us-east-1:123456789012:parameter${path}`,
      };

      const product = productGrantsOf(definition, targets).flatMap(({ actions, resources }) =>
        actions.flatMap((action) => resources.map((resource) => `Allow ${action} ${resource}`)),
      );

      expect(product.length).toBeGreaterThan(0);
      expect(grants.filter((grant) => !/^Allow (logs|xray):/.test(grant)).sort()).toEqual(product.sort());
    },
  );

  it("lets the authorizer read its one secret and touch no table", async () => {
    const { grants, secretArn } = await grantsOf(stage, authorizer);
    expect(grants.filter((grant) => !grant.includes("logs:") && !grant.includes("xray:"))).toEqual([`Allow secretsmanager:GetSecretValue ${secretArn}`]);
  });

  it("uses no '*' action anywhere, and '*' as a resource only for X-Ray and the capacity guard's calls, which offer nothing narrower", async () => {
    const { statements, synthesis } = await policiesOf(stage);
    const [guardRoleId] = single(synthesis.resources("Monitoring", "AWS::IAM::Role"), "CapacityGuardRole");
    expect(statements.length).toBeGreaterThan(0);
    for (const { actions, resources, role } of statements) {
      for (const action of actions) expect(action, role).not.toContain("*");
      for (const resource of resources) {
        if (resource !== "*") expect(resource, role).not.toContain("*");
        else if (role === `{Monitoring:${guardRoleId}}` && actions[0] !== X_RAY_ACTIONS[0]) expect(actions, role).toEqual(CAPACITY_GUARD_UNSCOPED_ACTIONS);
        else expect(actions, role).toEqual(X_RAY_ACTIONS);
      }
    }
  });

  it("lets the capacity guard read only this table's description, publish only to this stage's topic, and write only its own logs", async () => {
    const { statements, synthesis } = await policiesOf(stage);
    const [guardRoleId] = single(synthesis.resources("Monitoring", "AWS::IAM::Role"), "CapacityGuardRole");
    const [tableId] = single(synthesis.resources("Database", "AWS::DynamoDB::Table"), "UsersTable");
    const [topicId] = single(synthesis.resources("Alerts", "AWS::SNS::Topic"), "AlarmTopic");
    const [logsId] = single(synthesis.resources("Monitoring", "AWS::Logs::LogGroup"), "CapacityGuardLogs");
    const grants = statements
      .filter(({ role }) => role === `{Monitoring:${guardRoleId}}`)
      .flatMap(({ actions, resources }) => actions.flatMap((action) => resources.map((resource) => `${action} ${resource}`)));
    expect(grants.sort()).toEqual(
      [
        `dynamodb:DescribeTable {Database:${tableId}.Arn}`,
        `sns:Publish {Alerts:${topicId}}`,
        `logs:CreateLogStream {Monitoring:${logsId}.Arn}`,
        `logs:PutLogEvents {Monitoring:${logsId}.Arn}`,
        ...CAPACITY_GUARD_UNSCOPED_ACTIONS.map((action) => `${action} *`),
        ...X_RAY_ACTIONS.map((action) => `${action} *`),
      ].sort(),
    );
  });

  it("attaches no AWS managed policy to any role", async () => {
    const { synthesis } = await policiesOf(stage);
    for (const stackId of stackIds) {
      for (const [roleId, role] of Object.entries(synthesis.resources(stackId, "AWS::IAM::Role"))) {
        expect(role.Properties?.ManagedPolicyArns, roleId).toBeUndefined();
      }
    }
  });

  it("passes cdk-nag's AwsSolutions pack, every suppression saying why", async () => {
    const { synthesis } = await policiesOf(stage);
    expect(synthesis.nagFindings).toEqual([]);
    for (const { template } of synthesis.stacks) {
      for (const resource of Object.values((template as { Resources: Record<string, { Metadata?: Record<string, unknown> }> }).Resources)) {
        const suppressions = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] } | undefined)?.rules_to_suppress;
        for (const { id, reason } of suppressions ?? []) expect(reason.length, id).toBeGreaterThan(40);
      }
    }
  });

  it("keeps every secret value out of the templates and the function environments", async () => {
    const { synthesis } = await policiesOf(stage);
    const [, secret] = single(synthesis.resources("Secrets", "AWS::SecretsManager::Secret"), "ApiKeys");
    expect(secret.Properties?.SecretString).toBe(JSON.stringify(emptyApiKeyStore));
    for (const stackId of stackIds) {
      for (const parameter of Object.values(synthesis.resources(stackId, "AWS::SSM::Parameter"))) {
        expect(String(parameter.Properties?.Name)).not.toContain("/Secret/");
      }
    }
    const { functions } = apiResources(synthesis);
    for (const { definition, fn } of functions) {
      const variables = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      if (definition.bind.includes("cursorSecret")) expect(variables.SST_Secret_value_CURSOR_SECRET).toBe("__FETCH_FROM_SSM__");
      const literals = Object.entries(variables).filter(([, value]) => typeof value === "string");
      for (const [name, value] of literals) {
        expect(`${name}=${String(value)}`).toMatch(
          /^(AWS_NODEJS_CONNECTION_REUSE_ENABLED=1|CORS_ALLOW_ORIGIN=[\w:/.*-]+|POWERTOOLS_\w+=[\w-]+|SST_(APP|STAGE)=[\w-]+|SST_SSM_PREFIX=\/sst\/[\w-]+\/[\w-]+\/|SST_Secret_value_\w+=__FETCH_FROM_SSM__|USERS_LIST_SETTINGS=\{.*\})$/,
        );
      }
    }
  });
});

describe.each(stages)("the API-keys secret of %s", (stage) => {
  synthesizeBeforeAll(stage);

  it("is output by its ARN, the only thing functions are handed", async () => {
    const synthesis = await synthesized(stage);
    const [secretId] = single(synthesis.resources("Secrets", "AWS::SecretsManager::Secret"), "ApiKeys");
    const outputs = synthesis.stack("Secrets").template.Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiKeysSecretArn?.Value).toEqual({ Ref: secretId });
    const [, parameter] = single(synthesis.resources("Secrets", "AWS::SSM::Parameter"), "APIKEYSSECRETARN");
    expect(parameter.Properties).toMatchObject({
      Name: `/sst/users-api/${stage}/Parameter/API_KEYS_SECRET_ARN/value`,
      Value: { Ref: secretId },
    });
  });
});

describe("the CodeDeploy role of prod", () => {
  synthesizeBeforeAll("prod");

  it("may move only the live aliases and read only the alarms that gate them", async () => {
    const { statements, synthesis } = await policiesOf("prod");
    const { functions } = apiResources(synthesis);
    const [roleId] = single(synthesis.resources("Api", "AWS::IAM::Role"), "DeploymentRole");
    const granted = statements.filter(({ role }) => role === `{Api:${roleId}}`);
    const alarmIds = Object.keys(synthesis.resources("Api", "AWS::CloudWatch::Alarm"));
    expect(granted.map(({ actions, resources }) => ({ actions, resources }))).toEqual([
      {
        actions: ["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"],
        resources: functions.flatMap(({ functionId }) => [`{Api:${functionId}.Arn}`, `{Api:${functionId}.Arn}:live`]).sort(),
      },
      { actions: ["cloudwatch:DescribeAlarms"], resources: alarmIds.map((id) => `{Api:${id}.Arn}`).sort() },
    ]);
  });
});
