import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";

/** The repository root, where `.github/` and `infra/` live. */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const stepSchema = z.looseObject({
  name: z.string().optional(),
  id: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  shell: z.string().optional(),
  with: stringMap.optional(),
  env: stringMap.optional(),
});
export type Step = z.infer<typeof stepSchema>;

const permissionsSchema = z.union([z.record(z.string(), z.string()), z.string()]);
const concurrencySchema = z.union([z.string(), z.looseObject({ group: z.string(), "cancel-in-progress": z.union([z.boolean(), z.string()]).optional() })]);

export const jobSchema = z.looseObject({
  name: z.string().optional(),
  "runs-on": z.string().optional(),
  uses: z.string().optional(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  if: z.string().optional(),
  permissions: permissionsSchema.optional(),
  environment: z.union([z.string(), z.looseObject({ name: z.string(), url: z.string().optional() })]).optional(),
  concurrency: concurrencySchema.optional(),
  "timeout-minutes": z.number().optional(),
  steps: z.array(stepSchema).optional(),
});
export type Job = z.infer<typeof jobSchema>;

export const workflowSchema = z.looseObject({
  name: z.string(),
  on: z.record(z.string(), z.looseObject({}).nullable()),
  permissions: permissionsSchema.optional(),
  concurrency: concurrencySchema.optional(),
  env: stringMap.optional(),
  jobs: z.record(z.string(), jobSchema),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const compositeActionSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  inputs: z.record(z.string(), z.looseObject({ description: z.string(), required: z.boolean().optional() })).optional(),
  outputs: z.record(z.string(), z.looseObject({ description: z.string(), value: z.string() })).optional(),
  runs: z.looseObject({ using: z.literal("composite"), steps: z.array(stepSchema) }),
});
export type CompositeAction = z.infer<typeof compositeActionSchema>;

export interface SourceFile<T> {
  /** Path relative to the repository root, as actionlint and error messages show it. */
  readonly path: string;
  readonly source: string;
  readonly content: T;
}

async function load<T>(relativePath: string, schema: z.ZodType<T>): Promise<SourceFile<T>> {
  const source = await readFile(path.join(repoRoot, relativePath), "utf8");
  return { path: relativePath, source, content: schema.parse(parse(source)) };
}

/** Every workflow in `.github/workflows/`. */
export async function loadWorkflows(): Promise<SourceFile<Workflow>[]> {
  const names = (await readdir(path.join(repoRoot, ".github/workflows"))).filter((name) => /\.ya?ml$/.test(name));
  return Promise.all(names.sort().map((name) => load(`.github/workflows/${name}`, workflowSchema)));
}

export async function loadWorkflow(name: string): Promise<Workflow> {
  return (await load(`.github/workflows/${name}`, workflowSchema)).content;
}

/** Every local composite action in `.github/actions/<name>/action.yml`. */
export async function loadCompositeActions(): Promise<SourceFile<CompositeAction>[]> {
  const names = await readdir(path.join(repoRoot, ".github/actions"));
  return Promise.all(names.sort().map((name) => load(`.github/actions/${name}/action.yml`, compositeActionSchema)));
}

export async function loadCompositeAction(name: string): Promise<CompositeAction> {
  return (await load(`.github/actions/${name}/action.yml`, compositeActionSchema)).content;
}

/** The step with this id, or the one that uses this action. */
export function stepOf(steps: readonly Step[] | undefined, match: { id?: string; uses?: string }): Step {
  const step = (steps ?? []).find(
    (candidate) => (match.id !== undefined && candidate.id === match.id) || (match.uses !== undefined && candidate.uses?.split("@")[0] === match.uses),
  );
  if (!step) throw new Error(`no step matching ${JSON.stringify(match)}`);
  return step;
}

export const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());

export const concurrencyOf = (job: Pick<Job, "concurrency">) => (typeof job.concurrency === "string" ? { group: job.concurrency } : job.concurrency);

export const permissionsOf = (owner: Pick<Job, "permissions">): Record<string, string> => (typeof owner.permissions === "object" ? owner.permissions : {});
