import type { Template, TemplateValue } from "./assembly.js";

/** A template value that cannot be resolved against what was deployed. */
export class ResolutionError extends Error {}

/** What a template's references resolve to in one deployed stack. */
export interface StackContext {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  readonly template: Template;
  /** Logical id → physical id, as CloudFormation reports it (ListStackResources). */
  readonly physicalIds: ReadonlyMap<string, string>;
  /** Parameter values the stack was created with (lists for list types). */
  readonly parameters: Readonly<Record<string, string | readonly string[]>>;
  /** Every export of the region (ListExports). */
  readonly exports: ReadonlyMap<string, string>;
  /** `Fn::GetAtt` of a deployed resource, read from its service's API. */
  attribute(logicalId: string, resourceType: string, physicalId: string, attribute: string): Promise<string>;
}

const NO_VALUE = Symbol("AWS::NoValue");

/**
 * Resolves a template value (Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split, Fn::If and conditions) against the deployed stack, so it can be compared with what
 * a service reports.
 */
export async function resolve(value: TemplateValue | undefined, context: StackContext): Promise<unknown> {
  const resolved = await resolveInner(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

async function resolveInner(value: TemplateValue | undefined, context: StackContext): Promise<unknown> {
  if (value === null || value === undefined || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map((item) => resolveInner(item, context)));
    return items.filter((item) => item !== NO_VALUE);
  }
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length === 1 && name !== undefined && (name === "Ref" || name === "Condition" || name.startsWith("Fn::"))) {
    return intrinsic(name, argument as TemplateValue, context);
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of entries) {
    const resolved = await resolveInner(inner, context);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

async function intrinsic(name: string, argument: TemplateValue, context: StackContext): Promise<unknown> {
  switch (name) {
    case "Ref":
      return ref(String(argument), context);
    case "Fn::GetAtt": {
      const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split(/\.(.*)/s);
      return getAtt(String(logicalId), String(attribute), context);
    }
    case "Fn::ImportValue": {
      const exportName = String(await resolve(argument, context));
      const exported = context.exports.get(exportName);
      if (exported === undefined) throw new ResolutionError(`no export named ${exportName}`);
      return exported;
    }
    case "Fn::Join": {
      const [separator, parts] = argument as [string, TemplateValue];
      const values = (await resolve(parts, context)) as unknown[];
      return values.map(String).join(separator);
    }
    case "Fn::Select": {
      const [index, list] = argument as [TemplateValue, TemplateValue];
      const values = (await resolve(list, context)) as unknown[];
      return values[Number(await resolve(index, context))];
    }
    case "Fn::Split": {
      const [separator, source] = argument as [string, TemplateValue];
      return String(await resolve(source, context)).split(separator);
    }
    case "Fn::Sub": {
      const [template, variables] = Array.isArray(argument) ? (argument as [string, Record<string, TemplateValue>]) : [String(argument), {}];
      let result = "";
      let last = 0;
      for (const match of template.matchAll(/\$\{([^}]+)\}/g)) {
        result += template.slice(last, match.index);
        last = (match.index ?? 0) + match[0].length;
        const expression = match[1] ?? "";
        if (expression.startsWith("!")) {
          result += `\${${expression.slice(1)}}`;
        } else if (expression in variables) {
          result += String(await resolve(variables[expression], context));
        } else if (expression.includes(".") && !expression.startsWith("AWS::")) {
          const [logicalId, attribute] = expression.split(/\.(.*)/s);
          result += String(await getAtt(String(logicalId), String(attribute), context));
        } else {
          result += String(await ref(expression, context));
        }
      }
      return result + template.slice(last);
    }
    case "Fn::If": {
      const [condition, whenTrue, whenFalse] = argument as [string, TemplateValue, TemplateValue];
      return (await conditionHolds(condition, context)) ? resolveInner(whenTrue, context) : resolveInner(whenFalse, context);
    }
    case "Condition":
      return conditionHolds(String(argument), context);
    case "Fn::Equals": {
      const [left, right] = (await resolve(argument, context)) as [unknown, unknown];
      return String(left) === String(right);
    }
    case "Fn::Not":
      return !(((await resolve(argument, context)) as unknown[])[0] as boolean);
    case "Fn::And":
      return ((await resolve(argument, context)) as boolean[]).every(Boolean);
    case "Fn::Or":
      return ((await resolve(argument, context)) as boolean[]).some(Boolean);
    case "Fn::Base64":
      return Buffer.from(String(await resolve(argument, context))).toString("base64");
    case "Fn::ToJsonString":
      return JSON.stringify(await resolve(argument, context));
    default:
      throw new ResolutionError(`the checker cannot resolve ${name}`);
  }
}

function ref(name: string, context: StackContext): unknown {
  const pseudo: Record<string, unknown> = {
    "AWS::Region": context.region,
    "AWS::AccountId": context.accountId,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": context.stackName,
    "AWS::StackId": context.stackId,
    "AWS::NoValue": NO_VALUE,
  };
  if (name in pseudo) return pseudo[name];
  if (name in context.parameters) return context.parameters[name];
  const physicalId = context.physicalIds.get(name);
  if (physicalId === undefined) throw new ResolutionError(`Ref ${name}: no such resource in stack ${context.stackName}`);
  return physicalId;
}

async function getAtt(logicalId: string, attribute: string, context: StackContext): Promise<string> {
  const resource = context.template.Resources[logicalId];
  const physicalId = context.physicalIds.get(logicalId);
  if (!resource || physicalId === undefined) throw new ResolutionError(`Fn::GetAtt ${logicalId}.${attribute}: no such resource in stack ${context.stackName}`);
  return context.attribute(logicalId, resource.Type, physicalId, attribute);
}

/** Whether a named condition of the template holds for the deployed stack. */
export async function conditionHolds(name: string, context: StackContext): Promise<boolean> {
  const condition = context.template.Conditions?.[name];
  if (condition === undefined) throw new ResolutionError(`no condition named ${name}`);
  return Boolean(await resolve(condition, context));
}
