/**
 * Reading CloudFormation values in tests: intrinsic functions rendered as
 * readable strings, so `{"Fn::Join": ["", ["table/", {"Ref": "UsersTable"}]]}`
 * reads `table/{UsersTable}`.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Export name → what it exports, rendered as `{Stack:LogicalId}` (see {@link exportsOf}). */
export type Exports = ReadonlyMap<string, string>;

export function render(value: unknown, exports: Exports = new Map()): string {
  const again = (inner: unknown) => render(inner, exports);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(again).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, Json>);
    const [name, argument] = entries[0] ?? [];
    if (entries.length === 1 && name === "Ref") return `{${again(argument)}}`;
    if (entries.length === 1 && name === "Fn::GetAtt" && Array.isArray(argument)) return `{${argument.map(again).join(".")}}`;
    if (entries.length === 1 && name === "Fn::ImportValue") {
      const exportName = again(argument);
      return exports.get(exportName) ?? `{import:${exportName}}`;
    }
    if (entries.length === 1 && name === "Fn::Join" && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, Json[]];
      return parts.map(again).join(separator);
    }
    return JSON.stringify(value);
  }
  return String(value);
}

/** A policy statement as CloudFormation holds it. */
export interface Statement {
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface StackTemplate {
  readonly id: string;
  readonly template: { readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }> };
}

/** What every stack exports, so a cross-stack import reads `{Api:ListUsers7B09702E}`. */
export function exportsOf(stacks: readonly { id: string; template: Record<string, unknown> }[]): Exports {
  const exports = new Map<string, string>();
  for (const { id, template } of stacks as readonly StackTemplate[]) {
    for (const output of Object.values(template.Outputs ?? {})) {
      if (output.Export) exports.set(render(output.Export.Name), `{${id}:${render(output.Value).slice(1, -1)}}`);
    }
  }
  return exports;
}

/** Qualifies the same-stack references of a rendered value with the stack id, as cross-stack ones are. */
export const qualified = (rendered: string, stackId: string) => rendered.replace(/\{(?!\w+:)([\w.]+)\}/g, `{${stackId}:$1}`);
