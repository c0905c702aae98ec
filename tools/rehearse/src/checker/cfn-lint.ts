import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import type { EmulatorClients } from "./clients.js";

const execute = promisify(execFile);

/** One cfn-lint finding, as its JSON format reports it. */
interface LintFinding {
  readonly Level: "Error" | "Warning" | "Informational";
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/**
 * The emulator accepts property values CloudFormation's own validation refuses (a log retention of 8 days, an
 * unknown runtime): cfn-lint, which checks them against CloudFormation's resource schemas, stands in for it.
 * Answers one line per error, naming the stack, the resource and the property; warnings are not CloudFormation
 * failures and are left out.
 *
 * @example
 * lintErrors({ "prod-users-api-Api": template }) // ["prod-users-api-Api GetUserLogs (Properties/RetentionInDays): E3030 8 is not one of [1, 3, ...]"]
 */
export async function lintErrors(templates: Readonly<Record<string, unknown>>): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "users-api-cfn-lint-"));
  try {
    const files = Object.entries(templates).map(([stackName, template]) => {
      const file = path.join(dir, `${stackName}.template.json`);
      writeFileSync(file, typeof template === "string" ? template : JSON.stringify(template, null, 1));
      return file;
    });
    if (files.length === 0) return [];
    const output = await execute("cfn-lint", ["--format", "json", ...files], { maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string; code?: number; message?: string }) => {
        // Exit codes 2, 4, 8 (a bit mask) mean findings; anything else is cfn-lint failing.
        if (typeof error.code === "number" && error.code > 0 && error.code < 16 && error.stdout) return { stdout: error.stdout };
        throw new Error(`cfn-lint could not run (${error.message ?? error.code}): install it with \`pip install cfn-lint\``);
      },
    );
    const findings = JSON.parse(output.stdout || "[]") as LintFinding[];
    return findings
      .filter(({ Level }) => Level === "Error")
      .map(({ Filename, Location, Rule, Message }) => {
        const [section, resource, ...rest] = Location.Path.map(String);
        const where = section === "Resources" ? `${resource}${rest.length > 0 ? ` (${rest.join("/")})` : ""}` : Location.Path.join("/");
        return `${path.basename(Filename, ".template.json")} ${where}: ${Rule.Id} ${Message}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The templates of the given stacks as CloudFormation holds them (what was deployed), linted. */
export async function lintDeployedTemplates(stackNames: readonly string[], clients: EmulatorClients): Promise<string[]> {
  const templates: Record<string, unknown> = {};
  for (const stackName of stackNames) {
    const { TemplateBody } = await clients.cloudFormation.send(new GetTemplateCommand({ StackName: stackName }));
    templates[stackName] = TemplateBody ?? "{}";
  }
  return lintErrors(templates);
}
