// First: it must run before SST's modules load.
import "./sdk-v2-notice.js";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Aspects } from "aws-cdk-lib";
import type { CloudFormationStackArtifact } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";

/**
 * Offline synthesis: the CloudFormation templates of every stack of a stage,
 * with no AWS credentials and no network, plus cdk-nag's AwsSolutions findings.
 */

export interface SynthOptions {
  readonly stage: string;
  /** Where the cloud assembly (templates and bundled assets) is written. */
  readonly outdir: string;
  /** `dev` synthesizes as `sst dev` does (Live Lambda stubs); `deploy` as `sst deploy`. */
  readonly mode?: "deploy" | "dev";
  /** Written into ARNs; `sst deploy` uses the caller's account instead. */
  readonly account?: string;
  /**
   * Where SST bundles functions before they are copied into the assembly.
   * Separate directories let several processes synthesize the same stage at once.
   */
  readonly buildDir?: string;
  /**
   * `false` skips bundling the functions: SST then gives them placeholder
   * code, and the templates differ only in each function's code, handler and
   * version id. For checks that never look at code; about three times faster.
   * @default true
   */
  readonly bundle?: boolean;
}

export interface SynthesizedStack {
  /** Stack function name: `Database`, `Api`, ... */
  readonly id: string;
  readonly stackName: string;
  readonly templatePath: string;
  readonly template: Record<string, unknown>;
}

/** One cdk-nag finding that is not suppressed. */
export interface NagFinding {
  readonly level: "error" | "warning";
  readonly path: string;
  readonly message: string;
}

export interface Synthesis {
  readonly stage: string;
  readonly app: App;
  readonly stacks: readonly SynthesizedStack[];
  readonly nagFindings: readonly NagFinding[];
}

export const PLACEHOLDER_ACCOUNT = "123456789012";

/**
 * Synthesizes every stack of `sst.config.ts` for one stage, checks it with
 * cdk-nag's AwsSolutions pack, and returns the templates and findings.
 *
 * @example
 * const { stacks, nagFindings } = await synthesize({ stage: "prod", outdir: ".sst/cdk.out" });
 */
export async function synthesize(options: SynthOptions): Promise<Synthesis> {
  const { stage, outdir, mode = "deploy", account = PLACEHOLDER_ACCOUNT } = options;
  // SST looks up its bootstrap stack (an AWS call) unless it believes it runs under test.
  process.env.NODE_ENV = "test";
  await initProject({ stage });
  const project = useProject();
  if (options.buildDir) {
    mkdirSync(options.buildDir, { recursive: true });
    project.paths.artifacts = path.join(options.buildDir, "artifacts");
    // SST regenerates binding types under `out`; keep the project's `.sst/types` untouched.
    project.paths.out = options.buildDir;
  }
  const { name, region = "us-east-1" } = project.config;
  // SST builds only the functions of active stacks.
  const isActiveStack = options.bundle === false ? () => false : undefined;
  const app = new App({ mode, stage, name, region, account, isActiveStack }, { outdir });
  const { default: config } = await import("../sst.config.js");
  await config.stacks(app);
  Aspects.of(app).add(new AwsSolutionsChecks({ reports: false }));
  await app.finish();
  const assembly = app.synth();

  const stacks = assembly.stacks.map((artifact: CloudFormationStackArtifact) => ({
    id: artifact.stackName.slice(`${stage}-${name}-`.length),
    stackName: artifact.stackName,
    templatePath: path.join(outdir, artifact.templateFile),
    template: artifact.template as Record<string, unknown>,
  }));
  const nagFindings = assembly.stacks.flatMap((artifact) =>
    artifact.messages
      .filter(({ level, entry }) => (level === "error" || level === "warning") && String(entry.data).startsWith("AwsSolutions-"))
      .map(({ level, id, entry }) => ({ level: level as "error" | "warning", path: id, message: String(entry.data) })),
  );
  return { stage, app, stacks, nagFindings };
}

/** A build directory of this process, so parallel synths never share bundles. */
export const processBuildDir = () => path.join(tmpdir(), `users-api-synth-${process.pid}`);

async function main() {
  const { values } = parseArgs({
    options: {
      stage: { type: "string" },
      outdir: { type: "string", default: ".sst/cdk.out" },
      account: { type: "string", default: PLACEHOLDER_ACCOUNT },
    },
  });
  if (!values.stage) {
    console.error("usage: pnpm synth --stage <stage> [--outdir .sst/cdk.out] [--account 123456789012]");
    process.exit(2);
  }
  const outdir = path.resolve(values.outdir);
  // A previous cloud assembly (another stage's templates, stale assets) is replaced, never merged into.
  if (existsSync(path.join(outdir, "manifest.json"))) rmSync(outdir, { recursive: true, force: true });
  const buildDir = processBuildDir();
  const { stacks, nagFindings } = await synthesize({ stage: values.stage, outdir, account: values.account, buildDir }).finally(() =>
    rmSync(buildDir, { recursive: true, force: true }),
  );
  for (const { stackName, templatePath } of stacks) console.log(`${stackName}: ${path.relative(process.cwd(), templatePath)}`);
  for (const { level, path: where, message } of nagFindings) console.error(`cdk-nag ${level} at ${where}: ${message}`);
  if (nagFindings.some(({ level }) => level === "error")) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
