import { readFileSync } from "node:fs";
import path from "node:path";

/** A CloudFormation template value: literals and intrinsic functions. */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | { [key: string]: TemplateValue };

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: TemplateValue; Export?: { Name: TemplateValue } }>;
  readonly Conditions?: Record<string, TemplateValue>;
}

/** One stack of a cloud assembly, as `sst deploy` wrote it. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly template: Template;
  /** Names of the stacks this one depends on (cross-stack references). */
  readonly dependencies: readonly string[];
}

interface Manifest {
  readonly artifacts: Record<
    string,
    { type: string; properties?: { templateFile?: string; stackName?: string }; dependencies?: string[]; displayName?: string }
  >;
}

/**
 * The stacks of the cloud assembly in `dir` (SST v2 writes it to `.sst/dist`), in the manifest's
 * order, each with its template and the stacks it depends on.
 */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  const stacks = Object.entries(manifest.artifacts).filter(([, artifact]) => artifact.type === "aws:cloudformation:stack");
  const names = new Set(stacks.map(([id]) => id));
  return stacks.map(([id, artifact]) => {
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) throw new Error(`stack ${id} has no template file in ${dir}/manifest.json`);
    return {
      stackName: artifact.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(path.join(dir, templateFile), "utf8")) as Template,
      dependencies: (artifact.dependencies ?? []).filter((dependency) => names.has(dependency)),
    };
  });
}
