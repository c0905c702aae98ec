import { describe, expect, it } from "vitest";
import { bindings, sstParameterPath } from "../../packages/core/src/api/routes.js";
import { synthesized } from "../infra/helpers/synthesis.js";
import { repoRoot } from "./helpers/github-files.js";
import { account, deploy, isAllowed, loadTemplate, region, roleOf, templatePath, type Request, type Role, type Statement } from "./helpers/iam.js";
import { run } from "./helpers/shell.js";

const { source, template } = await loadTemplate();
const repository = { GitHubOwner: "acme", GitHubRepository: "users-api" };
const deployment = deploy(template, repository);
const preview = roleOf(template, deployment, "PreviewRole");
const release = roleOf(template, deployment, "DeployRole");
const roles: [string, Role][] = [
  ["PreviewRole", preview],
  ["DeployRole", release],
];

const oidc = "token.actions.githubusercontent.com";
const createdProvider = `arn:aws:iam::${account}:resource/GitHubOidcProvider`;
const assumeWithToken = (sub: string, aud = "sts.amazonaws.com", federatedPrincipal = createdProvider): Request => ({
  action: "sts:AssumeRoleWithWebIdentity",
  federatedPrincipal,
  context: { [`${oidc}:sub`]: sub, [`${oidc}:aud`]: aud },
});

const stack = (name: string) => `arn:aws:cloudformation:${region}:${account}:stack/${name}/0b0e7f40-c7a1-11ee-8c2a-0a1b2c3d4e5f`;
const parameter = (name: string) => `arn:aws:ssm:${region}:${account}:parameter${name}`;
const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
const bootstrapBucket = "sstbootstrap-useast1a1b2c3d4-5e6f7g8h9i0j";
const object = (key: string) => `arn:aws:s3:::${bootstrapBucket}/${key}`;
const cdkRole = (kind: string) => role(`cdk-hnb659fds-${kind}-${account}-${region}`);
const passToCloudFormation = { "iam:PassedToService": "cloudformation.amazonaws.com" };

/**
 * What SST v2 does with the caller's own credentials to deploy (and remove) a stage, read from its source:
 * `bootstrap.js` (find the bootstrap stacks), `stacks/deploy.js` (CDK roles, CreateStack/UpdateStack with the
 * execution role, monitor), `stacks/app-metadata.js` and `stacks/metadata.js` (bootstrap bucket), `config.js`
 * and `iot.js` (`sst secrets`), `stacks/remove.js` (DeleteStack).
 */
const sstDeployOf = (stage: string): Request[] => [
  { action: "cloudformation:DescribeStacks", resource: stack("CDKToolkit") },
  { action: "cloudformation:DescribeStacks", resource: stack("SSTBootstrap") },
  { action: "ssm:GetParameter", resource: parameter("/cdk-bootstrap/hnb659fds/version") },
  { action: "sts:AssumeRole", resource: cdkRole("deploy-role") },
  { action: "sts:AssumeRole", resource: cdkRole("file-publishing-role") },
  { action: "iam:PassRole", resource: cdkRole("cfn-exec-role"), context: passToCloudFormation },
  { action: "cloudformation:ListImports", resource: "*" },
  ...["Database", "Secrets", "Api"].flatMap((id) =>
    [
      "cloudformation:DescribeStacks",
      "cloudformation:CreateStack",
      "cloudformation:UpdateStack",
      "cloudformation:DescribeStackEvents",
      "cloudformation:DescribeStackResources",
    ].map((action) => ({ action, resource: stack(`${stage}-users-api-${id}`) })),
  ),
  { action: "s3:GetObject", resource: object(`appMetadata/app.users-api/stage.${stage}.json`) },
  { action: "s3:PutObject", resource: object(`appMetadata/app.users-api/stage.${stage}.json`) },
  { action: "ssm:GetParameter", resource: parameter(`/sst/users-api/${stage}/Secret/CURSOR_SECRET/value`) },
];
const sstSecretsSetOf = (stage: string): Request[] => [
  { action: "ssm:PutParameter", resource: parameter(`/sst/users-api/${stage}/Secret/CURSOR_SECRET/value`) },
  { action: "iot:DescribeEndpoint", resource: "*" },
  { action: "iot:Connect", resource: `arn:aws:iot:${region}:${account}:client/0.5613` },
  { action: "iot:Subscribe", resource: `arn:aws:iot:${region}:${account}:topicfilter//sst/users-api/${stage}/events` },
  { action: "iot:Publish", resource: `arn:aws:iot:${region}:${account}:topic//sst/users-api/${stage}/events` },
  { action: "iot:Receive", resource: `arn:aws:iot:${region}:${account}:topic//sst/users-api/${stage}/events` },
  {
    action: "s3:ListBucket",
    resource: `arn:aws:s3:::${bootstrapBucket}`,
    context: { "s3:prefix": `stackMetadata/app.users-api/stage.${stage}/` },
  },
];
const sstRemoveOf = (stage: string): Request[] => [
  ...["Database", "Secrets", "Api"].map((id) => ({
    action: "cloudformation:DeleteStack",
    resource: stack(`${stage}-users-api-${id}`),
  })),
  { action: "s3:DeleteObject", resource: object(`appMetadata/app.users-api/stage.${stage}.json`) },
  { action: "ssm:DeleteParameter", resource: parameter(`/sst/users-api/${stage}/Secret/CURSOR_SECRET/value`) },
];

/** Every `Action` value in a template fragment, however deep. */
function actionsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(actionsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "Action" ? [item].flat().filter((action): action is string => typeof action === "string") : actionsIn(item),
  );
}

/** The requests that touch this stage's own resources (not the shared bootstrap or IoT endpoint). */
const onStage = (stage: string, requests: readonly Request[]) =>
  requests.filter(({ resource, context }) => `${resource ?? ""} ${context?.["s3:prefix"] ?? ""}`.includes(stage));

const describeRequest = ({ action, resource }: Request) => `${action} on ${resource ?? "-"}`;
const denied = (statements: readonly Statement[], requests: readonly Request[]) =>
  requests.filter((request) => !isAllowed(statements, request)).map(describeRequest);
const allowed = (statements: readonly Statement[], requests: readonly Request[]) =>
  requests.filter((request) => isAllowed(statements, request)).map(describeRequest);

describe("the GitHub deploy-role template", () => {
  it("passes cfn-lint", async () => {
    const { status, stdout, stderr } = await run("cfn-lint", [templatePath], { cwd: repoRoot });
    expect(stdout + stderr).toBe("");
    expect(status).toBe(0);
  });

  it("creates the GitHub OIDC provider for audience sts.amazonaws.com unless one is given", () => {
    const provider = template.Resources.GitHubOidcProvider;
    expect(provider?.Type).toBe("AWS::IAM::OIDCProvider");
    expect(provider?.Properties).toMatchObject({
      Url: `https://${oidc}`,
      ClientIdList: ["sts.amazonaws.com"],
    });
    expect(provider?.Condition).toBe("CreateOidcProvider");
    expect(deployment.conditions.CreateOidcProvider).toBe(true);

    const existing = `arn:aws:iam::${account}:oidc-provider/${oidc}`;
    const reusing = deploy(template, { ...repository, ExistingOidcProviderArn: existing });
    expect(reusing.conditions.CreateOidcProvider).toBe(false);
    for (const logicalId of ["PreviewRole", "DeployRole"]) {
      expect(roleOf(template, reusing, logicalId).trust.map(({ Principal }) => Principal?.Federated)).toEqual([[existing]]);
    }
  });
});

describe("who may assume the roles", () => {
  it.each([
    ["PreviewRole", "repo:acme/users-api:pull_request"],
    ["DeployRole", "repo:acme/users-api:environment:staging"],
    ["DeployRole", "repo:acme/users-api:environment:prod"],
  ])("%s trusts a GitHub token whose sub is %s", (logicalId, sub) => {
    expect(isAllowed(roleOf(template, deployment, logicalId).trust, assumeWithToken(sub))).toBe(true);
  });

  it.each([
    ["another repository's pull requests", "PreviewRole", "repo:acme/other:pull_request"],
    ["a fork owner's repository", "PreviewRole", "repo:mallory/users-api:pull_request"],
    ["a push to main", "PreviewRole", "repo:acme/users-api:ref:refs/heads/main"],
    ["the prod environment", "PreviewRole", "repo:acme/users-api:environment:prod"],
    ["pull requests", "DeployRole", "repo:acme/users-api:pull_request"],
    ["a branch push outside the environments", "DeployRole", "repo:acme/users-api:ref:refs/heads/main"],
    ["another environment", "DeployRole", "repo:acme/users-api:environment:dev"],
    ["another repository's prod environment", "DeployRole", "repo:acme/other:environment:prod"],
  ])("%s cannot assume the %s", (_, logicalId, sub) => {
    expect(isAllowed(roleOf(template, deployment, logicalId).trust, assumeWithToken(sub))).toBe(false);
  });

  it.each(roles)("%s accepts only tokens minted for STS, from the GitHub provider", (_, { trust }) => {
    const sub = trust[0]?.Condition?.StringEquals?.[`${oidc}:sub`]?.[0] ?? "";
    expect(isAllowed(trust, assumeWithToken(sub))).toBe(true);
    expect(isAllowed(trust, assumeWithToken(sub, "https://github.com/acme"))).toBe(false);
    expect(isAllowed(trust, assumeWithToken(sub, "sts.amazonaws.com", `arn:aws:iam::${account}:oidc-provider/evil`))).toBe(false);
  });

  it.each(roles)("%s pins sub and aud with StringEquals, no wildcards", (_, { trust }) => {
    for (const statement of trust) {
      expect(Object.keys(statement.Condition ?? {})).toEqual(["StringEquals"]);
      const values = Object.values(statement.Condition?.StringEquals ?? {}).flat();
      expect(values.filter((value) => /[*?]/.test(value))).toEqual([]);
    }
  });
});

describe("what the roles may do", () => {
  it.each(roles)("%s has no wildcard action, no AWS managed policy and no IAM action but PassRole", (_, role) => {
    const actions = role.permissions.flatMap(({ Action }) => Action);
    expect(actions.filter((action) => action.includes("*"))).toEqual([]);
    expect(role.foreignPolicyArns).toEqual([]);
    expect(actions.filter((action) => action.toLowerCase().startsWith("iam:"))).toEqual(["iam:PassRole"]);
    expect(role.permissions.every(({ Effect }) => Effect === "Allow")).toBe(true);
  });

  it("names no AdministratorAccess-like policy and allows no `*` action anywhere in the template", () => {
    expect(source).not.toMatch(/AdministratorAccess|PowerUserAccess|IAMFullAccess/);
    const actions = actionsIn(template.Resources);
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((action) => action.includes("*"))).toEqual([]);
    expect(JSON.stringify(template.Resources)).not.toContain('"NotAction"');
  });

  it("lets the preview role deploy, set the secret of, and remove a pr-<number> stage", () => {
    expect(denied(preview.permissions, [...sstDeployOf("pr-12"), ...sstSecretsSetOf("pr-12"), ...sstRemoveOf("pr-12")])).toEqual([]);
  });

  it.each(["staging", "prod"])("keeps the preview role away from the %s stage", (stage) => {
    const requests = onStage(stage, [...sstDeployOf(stage), ...sstSecretsSetOf(stage), ...sstRemoveOf(stage)]);
    expect(requests.length).toBeGreaterThan(20);
    expect(allowed(preview.permissions, requests)).toEqual([]);
  });

  it.each(["staging", "prod"])("lets the deploy role deploy the %s stage", (stage) => {
    expect(denied(release.permissions, sstDeployOf(stage))).toEqual([]);
  });

  it("never lets the deploy role delete a release stage's stacks or change its secrets", () => {
    expect(allowed(release.permissions, [...sstRemoveOf("staging"), ...sstRemoveOf("prod")])).toEqual([]);
    expect(allowed(release.permissions, sstSecretsSetOf("prod").slice(0, 1))).toEqual([]);
  });

  it("keeps the deploy role away from preview stages and other apps", () => {
    const requests = ["pr-12", "dev"].flatMap((stage) => onStage(stage, [...sstDeployOf(stage), ...sstRemoveOf(stage)]));
    expect(allowed(release.permissions, requests)).toEqual([]);
    expect(allowed(release.permissions, [{ action: "cloudformation:UpdateStack", resource: stack("prod-billing-api-Api") }])).toEqual([]);
  });

  it.each(roles)("%s may assume only the CDK deploy and file-publishing roles, and pass only the execution role to CloudFormation", (_, { permissions }) => {
    const elsewhere: Request[] = [
      { action: "sts:AssumeRole", resource: cdkRole("cfn-exec-role") },
      { action: "sts:AssumeRole", resource: cdkRole("lookup-role") },
      { action: "sts:AssumeRole", resource: role("OrganizationAccountAccessRole") },
      { action: "iam:PassRole", resource: cdkRole("cfn-exec-role"), context: { "iam:PassedToService": "lambda.amazonaws.com" } },
      { action: "iam:PassRole", resource: role("Admin"), context: passToCloudFormation },
    ];
    expect(allowed(permissions, elsewhere)).toEqual([]);
  });
});

describe("API keys for the end-to-end runs (`pnpm keys create|list|revoke`)", () => {
  /** What `pnpm keys` does on a stage: find the secret through SST's parameter, then read and rewrite it. */
  const pnpmKeysOn = (stage: string, app = "users-api"): Request[] => {
    const secret = `arn:aws:secretsmanager:${region}:${account}:secret:ApiKeys${stage.replace(/\W/g, "")}A1B2C3-xYz012`;
    const tags = { "aws:ResourceTag/sst:app": app, "aws:ResourceTag/sst:stage": stage };
    return [
      { action: "ssm:GetParameter", resource: parameter(sstParameterPath(app, stage, bindings.apiKeysSecretArn)) },
      { action: "secretsmanager:GetSecretValue", resource: secret, context: tags },
      { action: "secretsmanager:PutSecretValue", resource: secret, context: tags },
    ];
  };

  it("lets the preview role manage the keys of a pr-<number> stage", () => {
    expect(denied(preview.permissions, pnpmKeysOn("pr-12"))).toEqual([]);
  });

  it.each(["staging", "prod"])("lets the deploy role manage the keys of %s", (stage) => {
    expect(denied(release.permissions, pnpmKeysOn(stage))).toEqual([]);
  });

  it.each([
    ["the preview role", "staging"],
    ["the preview role", "prod"],
    ["the deploy role", "pr-12"],
    ["the deploy role", "dev"],
  ])("keeps %s away from the API keys of %s", (who, stage) => {
    const role = who === "the preview role" ? preview : release;
    expect(allowed(role.permissions, pnpmKeysOn(stage).slice(1))).toEqual([]);
  });

  it.each(roles)("keeps %s away from another app's API keys and from secrets without SST's tags", (_, { permissions }) => {
    const otherApp = pnpmKeysOn("pr-12", "billing-api").slice(1);
    const untagged: Request = { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:${region}:${account}:secret:db-password-AbCdEf` };
    expect(allowed(permissions, [...otherApp, untagged])).toEqual([]);
  });

  it("relies on tags that SST really puts on each stage's API-keys secret", async () => {
    for (const stage of ["pr-42", "prod"] as const) {
      const secrets = Object.values((await synthesized(stage)).resources("Secrets", "AWS::SecretsManager::Secret"));
      expect(secrets).toHaveLength(1);
      expect(secrets[0]?.Properties?.Tags).toEqual(
        expect.arrayContaining([
          { Key: "sst:app", Value: "users-api" },
          { Key: "sst:stage", Value: stage },
        ]),
      );
    }
  }, 600_000);
});
