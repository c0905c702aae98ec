import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { synthesize, type Synthesis, type SynthesizedStack } from "../../../scripts/synth.js";
import { ALERTS_EMAIL_VARIABLE } from "../../../stacks/Alerts.js";

/** The stages the infrastructure tests prove facts about. */
export const stages = ["dev", "prod", "pr-42"] as const;
export type TestStage = (typeof stages)[number];
export type StackId = "Database" | "Secrets" | "Alerts" | "Api" | "Monitoring";

/** The on-call address prod is synthesized with, as its deploy would set it. */
export const ON_CALL_EMAIL = "on-call@example.com";

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly UpdatePolicy?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface StageTemplates extends Synthesis {
  readonly outdir: string;
  stack(id: StackId): SynthesizedStack;
  /** Every resource of the stack, by logical id. */
  resources(id: StackId, type?: string): Record<string, CfnResource>;
}

/** Bundles and assemblies of this test file, apart from any other file synthesizing the same stage. */
const workDir = mkdtempSync(path.join(tmpdir(), "users-api-infra-test-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const cache = new Map<string, Promise<StageTemplates>>();

export interface SynthesisOptions {
  /** `dev` synthesizes as `sst dev` does. @default "deploy" */
  readonly mode?: "deploy" | "dev";
  /** Bundle the functions; only tests that read function code or runtime need it. @default false */
  readonly bundle?: boolean;
}

/**
 * The stage's templates, synthesized once per test file (each file has its
 * own module cache) into a directory of its own. Synthesis runs one at a time:
 * SST keeps the current app in module state.
 */
export function synthesized(stage: TestStage, options: SynthesisOptions = {}): Promise<StageTemplates> {
  const { mode = "deploy", bundle = false } = options;
  const key = `${stage}-${mode}-${bundle ? "bundled" : "unbundled"}`;
  let result = cache.get(key);
  if (!result) {
    const previous = [...cache.values()].at(-1)?.catch(() => undefined);
    result = (async () => {
      await previous;
      return synthesizeStage(stage, mode, bundle, path.join(workDir, key));
    })();
    cache.set(key, result);
  }
  return result;
}

/** Synthesis can take minutes on a busy machine: far longer than one test may. */
const SYNTHESIS_TIMEOUT_MS = 10 * 60 * 1000;

/** Synthesizes the stage before the tests of the enclosing `describe`, with a timeout fit for synthesis. */
export function synthesizeBeforeAll(stage: TestStage, options: SynthesisOptions = {}) {
  beforeAll(async () => {
    await synthesized(stage, options);
  }, SYNTHESIS_TIMEOUT_MS);
}

async function synthesizeStage(stage: TestStage, mode: "deploy" | "dev", bundle: boolean, outdir: string): Promise<StageTemplates> {
  const email = stage === "prod" ? ON_CALL_EMAIL : undefined;
  const synthesis = await withEnvironment({ [ALERTS_EMAIL_VARIABLE]: email }, () =>
    synthesize({ stage, outdir, mode, bundle, buildDir: path.join(workDir, "build") }),
  );
  const stack = (id: StackId) => {
    const found = synthesis.stacks.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no ${id} stack in ${stage}`);
    return found;
  };
  return {
    ...synthesis,
    outdir,
    stack,
    resources: (id, type) => {
      const all = (stack(id).template as { Resources: Record<string, CfnResource> }).Resources;
      return Object.fromEntries(Object.entries(all).filter(([, resource]) => type === undefined || resource.Type === type));
    },
  };
}

async function withEnvironment<T>(variables: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(variables);
  try {
    return await run();
  } finally {
    assign(saved);
  }
}

/** The one resource of a type whose logical id starts with `prefix` (CDK appends a hash). */
export function single(resources: Record<string, CfnResource>, prefix: string): [string, CfnResource] {
  const matches = Object.entries(resources).filter(([logicalId]) => logicalId.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one resource named ${prefix}*, found ${matches.length}`);
  return matches[0]!;
}
