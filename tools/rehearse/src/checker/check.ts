import {
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from "@aws-sdk/client-cloudformation";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { parse } from "yaml";
import type { AssemblyStack, Template } from "./assembly.js";
import type { EmulatorClients } from "./clients.js";
import { ResolutionError, conditionHolds, resolve, type StackContext } from "./intrinsics.js";
import { codeMatchesAsset, verifiers, type DeployedResource } from "./verifiers.js";

/** One way the emulator's state differs from the templates. */
export interface Finding {
  readonly stackName: string;
  readonly logicalId?: string;
  readonly type?: string;
  readonly message: string;
}

/** A deployed stack as the checker saw it: enough to check its removal once CloudFormation has forgotten it. */
export interface StackSnapshot {
  readonly stackName: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: readonly DeployedResource[];
}

export interface Inspection {
  readonly snapshots: readonly StackSnapshot[];
  readonly findings: readonly Finding[];
  /** Template resources checked through their service's API, per stack. */
  readonly checked: number;
}

const SUCCESSFUL = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE"]);

async function allExports(clients: EmulatorClients): Promise<Map<string, string>> {
  const exports = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudFormation.send(new ListExportsCommand({ NextToken }));
    for (const entry of page.Exports ?? []) if (entry.Name) exports.set(entry.Name, String(entry.Value));
    NextToken = page.NextToken;
  } while (NextToken);
  return exports;
}

async function stackResources(clients: EmulatorClients, stackName: string): Promise<StackResourceSummary[]> {
  const summaries: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    summaries.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return summaries;
}

async function describeStack(clients: EmulatorClients, stackName: string): Promise<Stack | undefined> {
  try {
    return (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === "ValidationError" && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

/** Values of the template's parameters, as CloudFormation resolved them (SSM parameter types read from SSM). */
async function parameterValues(
  template: Template & { Parameters?: Record<string, { Type: string; Default?: string }> },
  stack: Stack,
  clients: EmulatorClients,
) {
  const values: Record<string, string | string[]> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const given = stack.Parameters?.find((entry) => entry.ParameterKey === name)?.ParameterValue ?? parameter.Default;
    if (given === undefined) continue;
    const value =
      parameter.Type.startsWith("AWS::SSM::Parameter::Value") && given === parameter.Default
        ? String((await clients.ssm.send(new GetParameterCommand({ Name: given }))).Parameter?.Value)
        : String(given);
    values[name] = parameter.Type === "CommaDelimitedList" || parameter.Type.startsWith("List<") ? value.split(",") : value;
  }
  return values;
}

/**
 * Checks every resource of every template against the emulator: CloudFormation must report it with a
 * physical id, and its own service's API must show it with the template's properties. A resource type
 * the checker cannot read is a finding, never a skip.
 */
export async function inspectDeployment(stacks: readonly AssemblyStack[], clients: EmulatorClients, region: string): Promise<Inspection> {
  const findings: Finding[] = [];
  const snapshots: StackSnapshot[] = [];
  const exports = await allExports(clients);
  let checked = 0;

  for (const { stackName, template } of stacks) {
    const stack = await describeStack(clients, stackName);
    if (!stack) {
      findings.push({ stackName, message: "CloudFormation has no such stack" });
      continue;
    }
    if (!SUCCESSFUL.has(String(stack.StackStatus))) findings.push({ stackName, message: `stack status is ${stack.StackStatus}` });
    const summaries = await stackResources(clients, stackName);
    const byLogicalId = new Map(summaries.map((summary) => [String(summary.LogicalResourceId), summary]));
    const context: StackContext = {
      stackName,
      stackId: String(stack.StackId),
      region,
      accountId: String(stack.StackId).split(":")[4] ?? "",
      template,
      physicalIds: new Map(summaries.map((summary) => [String(summary.LogicalResourceId), String(summary.PhysicalResourceId)])),
      parameters: await parameterValues(template, stack, clients),
      exports,
      attribute: async (logicalId, resourceType, physicalId, attribute) => {
        const read = verifiers[resourceType]?.attributes?.[attribute];
        if (!read) throw new ResolutionError(`the checker cannot read ${resourceType}.${attribute} (Fn::GetAtt ${logicalId}.${attribute})`);
        return read(physicalId, clients);
      },
    };

    const resources: DeployedResource[] = [];
    for (const [logicalId, declared] of Object.entries(template.Resources)) {
      const finding = (message: string) => findings.push({ stackName, logicalId, type: declared.Type, message });
      if (declared.Condition && !(await conditionHolds(declared.Condition, context))) continue;
      const summary = byLogicalId.get(logicalId);
      if (!summary?.PhysicalResourceId) {
        finding("CloudFormation reports no physical resource for it");
        continue;
      }
      if (summary.ResourceType !== declared.Type) finding(`CloudFormation reports type ${summary.ResourceType}`);
      let properties: Record<string, unknown>;
      try {
        properties = (await resolve(declared.Properties ?? {}, context)) as Record<string, unknown>;
      } catch (error) {
        if (!(error instanceof ResolutionError)) throw error;
        finding(`its properties cannot be resolved: ${error.message}`);
        continue;
      }
      const resource: DeployedResource = {
        stackName,
        logicalId,
        type: declared.Type,
        physicalId: summary.PhysicalResourceId,
        properties,
        deletionPolicy: declared.DeletionPolicy,
      };
      resources.push(resource);
      const verifier = verifiers[declared.Type];
      if (!verifier) {
        finding(`the checker cannot read ${declared.Type} from the emulator, so its existence is unproven`);
        continue;
      }
      const observed = await verifier.observe(resource, clients);
      if (observed === undefined) {
        finding(`missing from the emulator's ${declared.Type.split("::")[1]} API (physical id ${resource.physicalId})`);
        continue;
      }
      for (const difference of verifier.compare(resource, observed)) finding(difference);
      if (declared.Type === "AWS::Lambda::Function") for (const difference of await codeMatchesAsset(resource, clients)) finding(difference);
      checked += 1;
    }
    for (const summary of summaries) {
      if (!(String(summary.LogicalResourceId) in template.Resources)) {
        findings.push({
          stackName,
          logicalId: summary.LogicalResourceId,
          type: summary.ResourceType,
          message: "CloudFormation reports a resource the template does not declare",
        });
      }
    }
    const outputs = Object.fromEntries((stack.Outputs ?? []).map((output) => [String(output.OutputKey), String(output.OutputValue)]));
    for (const key of Object.keys(template.Outputs ?? {})) {
      if (!(key in outputs)) findings.push({ stackName, message: `output ${key} is missing from DescribeStacks` });
    }
    snapshots.push({ stackName, status: String(stack.StackStatus), outputs, resources });
  }
  return { snapshots, findings, checked };
}

/**
 * Stacks no cloud assembly of the app holds (CDK's and SST's bootstrap stacks), with the template
 * CloudFormation was given for each, as JSON or YAML.
 */
export async function deployedStacks(stackNames: readonly string[], clients: EmulatorClients): Promise<AssemblyStack[]> {
  return Promise.all(
    stackNames.map(async (stackName) => {
      const { TemplateBody } = await clients.cloudFormation.send(new GetTemplateCommand({ StackName: stackName }));
      return { stackName, template: parse(String(TemplateBody)) as Template, dependencies: [] };
    }),
  );
}

/**
 * CloudFormation created the stacks in dependency order: each stack started only after every stack it
 * depends on had completed (from their stack events).
 */
export async function inspectCreationOrder(stacks: readonly AssemblyStack[], clients: EmulatorClients): Promise<Finding[]> {
  const times = new Map<string, { started?: Date; completed?: Date }>();
  for (const { stackName } of stacks) {
    const { StackEvents = [] } = await clients.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const own = StackEvents.filter((event) => event.LogicalResourceId === stackName && event.ResourceType === "AWS::CloudFormation::Stack");
    const at = (status: string) =>
      own
        .filter((event) => event.ResourceStatus === status)
        .map((event) => event.Timestamp as Date)
        .sort((a, b) => a.getTime() - b.getTime())[0];
    times.set(stackName, { started: at("CREATE_IN_PROGRESS"), completed: at("CREATE_COMPLETE") });
  }
  const findings: Finding[] = [];
  for (const { stackName, dependencies } of stacks) {
    const started = times.get(stackName)?.started;
    for (const dependency of dependencies) {
      const completed = times.get(dependency)?.completed;
      if (!started || !completed || started.getTime() < completed.getTime()) {
        findings.push({ stackName, message: `was not created after ${dependency} completed` });
      }
    }
  }
  return findings;
}

/**
 * After `sst remove`: no stack is left, each resource the templates retain (DeletionPolicy Retain) is
 * still in its service, and every other resource is gone. A retained Lambda version goes with its
 * function when the function is not retained, as on AWS.
 */
export async function inspectRemoval(snapshots: readonly StackSnapshot[], clients: EmulatorClients): Promise<Finding[]> {
  const findings: Finding[] = [];
  const all = snapshots.flatMap((snapshot) => snapshot.resources);
  const isRetained = (resource: DeployedResource): boolean => {
    if (resource.deletionPolicy !== "Retain") return false;
    if (resource.type === "AWS::Lambda::Version") {
      const owner = all.find((candidate) => candidate.type === "AWS::Lambda::Function" && candidate.physicalId === resource.properties.FunctionName);
      return owner === undefined || isRetained(owner);
    }
    return true;
  };
  for (const { stackName, resources } of snapshots) {
    const stack = await describeStack(clients, stackName);
    if (stack) findings.push({ stackName, message: `stack still exists (${stack.StackStatus})` });
    for (const resource of resources) {
      const verifier = verifiers[resource.type];
      const finding = (message: string) => findings.push({ stackName, logicalId: resource.logicalId, type: resource.type, message });
      if (!verifier) {
        finding(`the checker cannot read ${resource.type} from the emulator`);
        continue;
      }
      const present = (await verifier.observe(resource, clients)) !== undefined;
      if (isRetained(resource) && !present) finding(`retained by DeletionPolicy Retain, but gone (physical id ${resource.physicalId})`);
      if (!isRetained(resource) && present) finding(`not retained by the template, but still there (physical id ${resource.physicalId})`);
    }
  }
  return findings;
}

/** Findings as lines a person reads. */
export const describeFindings = (findings: readonly Finding[]) =>
  findings.map(({ stackName, logicalId, type, message }) => `${stackName}${logicalId ? ` ${logicalId}` : ""}${type ? ` (${type})` : ""}: ${message}`);
