import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RehearsalFailed, rehearse } from "../src/rehearsal.js";

/**
 * The rehearsal fails on app defects that every other check lets through: each breakage below is applied to
 * the rehearsal's copy of the app, one breakage per route so one deploy shows several, and the served stage
 * names each route or function and the cause on a line of its own. (An invalid log retention is cfn-lint's,
 * run on the deployed templates elsewhere.)
 */
const projectDir = path.resolve(import.meta.dirname, "../../..");

/** Replaces a piece of a file of the copy; the piece must be there, so a moved line fails the test, not the breakage. */
function patch(appDir: string, file: string, from: string, to: string) {
  const target = path.join(appDir, file);
  const text = readFileSync(target, "utf8");
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update the breakage`);
  writeFileSync(target, text.replace(from, to));
}

async function rehearsalFailure(prepare: (appDir: string) => void): Promise<RehearsalFailed> {
  const workDir = mkdtempSync(path.join(tmpdir(), "users-api-breakage-"));
  try {
    const rehearsal = await rehearse({ projectDir, workDir, stages: ["rehearsal"], prepare });
    await rehearsal.stop();
  } catch (error) {
    if (error instanceof RehearsalFailed) return error;
    throw error;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  throw new Error("the rehearsal passed with the app broken");
}

// One deploy of one stage, its served checks and the portable suite against it, on a busy two-core machine.
const TIMEOUT_MS = 10 * 60 * 1000;

describe("pnpm rehearse on a broken app", () => {
  it(
    "names a missing handler, an init error and a wrong table binding",
    async () => {
      const failure = await rehearsalFailure((appDir) => {
        patch(appDir, "packages/functions/src/users/delete.ts", "export const handler =", "export const deleteHandler =");
        patch(appDir, "packages/functions/src/users/patch.ts", "export const handler =", `throw new Error("broken at import");\nexport const handler =`);
        patch(
          appDir,
          "stacks/Api.ts",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal in stacks/Api.ts, matched as it is written.
          "    const alias = new lambda.Alias(stack, `${definition.id}LiveAlias`, {",
          `    if (definition.id === "ReplaceUser") fn.addEnvironment("SST_Table_tableName_Users", "not-the-users-table");\n    const alias = new lambda.Alias(stack, \`\${definition.id}LiveAlias\`, {`,
        );
      });

      expect(failure.step).toMatch(/^the deployed stage serves/);
      const lines = failure.message.split("\n");
      const line = (pattern: RegExp) =>
        expect(
          lines.filter((candidate) => pattern.test(candidate)),
          `a line matching ${pattern} in\n${failure.message}`,
        ).not.toHaveLength(0);
      line(/DELETE \/users\/\{userId\}: rehearsal-users-api-Api-DeleteUser[\w-]+ failed: Runtime\.HandlerNotFound: /);
      line(/PATCH \/users\/\{userId\}: rehearsal-users-api-Api-PatchUser[\w-]+ failed: \S+: broken at import/);
      line(/ReplaceUser[0-9A-F]{8}-\w+: its deployed role does not allow dynamodb:\w+ on arn:aws:dynamodb:us-east-1:\d+:table\/not-the-users-table/);
    },
    TIMEOUT_MS,
  );

  it(
    "names the function a role refuses, a route API Gateway may not invoke, a route wired to another route's function and a route without the authorizer",
    async () => {
      const failure = await rehearsalFailure((appDir) => {
        // PutItem removed from the route table itself: the stack, the local proxy and the grants test agree.
        // (Here, not with the breakages above: without creates, the suite would never reach their routes; and the
        // authorizer is removed from another route than POST /users, whose handler refuses a caller without one.)
        patch(appDir, "packages/core/src/api/routes.ts", `const createAccess = ["dynamodb:PutItem", `, `const createAccess = [`);
        patch(
          appDir,
          "stacks/Api.ts",
          "  answerOtherMethodsWith405(restApi, settings.api.corsAllowOrigin);",
          `  for (const construct of restApi.node.findAll()) {
    if (/^ApiPermission\\.(?!Test\\.).*\\.GET\\.\\.users$/.test(construct.node.id)) construct.node.scope?.node.tryRemoveChild(construct.node.id);
  }
  answerOtherMethodsWith405(restApi, settings.api.corsAllowOrigin);`,
        );
        patch(
          appDir,
          "stacks/Api.ts",
          "{ cdk: { function: deployed.alias, method } }",
          `{ cdk: { function: deployed.route.id === "GetUser" ? routeFunctions.find((other) => other.route.id === "DeleteUser")!.alias : deployed.alias, method } }`,
        );
        patch(
          appDir,
          "stacks/Api.ts",
          "          authorizationType: apig.AuthorizationType.CUSTOM,\n          authorizer: apiKeyAuthorizer,",
          `          ...(deployed.route.id === "PatchUser" ? { authorizationType: apig.AuthorizationType.NONE } : { authorizationType: apig.AuthorizationType.CUSTOM, authorizer: apiKeyAuthorizer }),`,
        );
      });

      expect(failure.step).toMatch(/^the deployed stage serves/);
      const lines = failure.message.split("\n");
      const line = (pattern: RegExp) =>
        expect(
          lines.filter((candidate) => pattern.test(candidate)),
          `a line matching ${pattern} in\n${failure.message}`,
        ).not.toHaveLength(0);
      line(/CreateUser[0-9A-F]{8}-\w+: its deployed role does not allow dynamodb:PutItem on arn:aws:dynamodb:us-east-1:\d+:table\/rehearsal-users-api-/);
      line(
        /GET \/users: API Gateway may not invoke arn:aws:lambda:us-east-1:\d+:function:rehearsal-users-api-Api-ListUsers[\w-]+:live: no Lambda::Permission allows arn:aws:execute-api:/,
      );
      line(/route GET \/users\/\{userId\}: integrated with DeleteUser's function, the route table gives it GetUser/);
      line(/route PATCH \/users\/\{userId\}: the deployed method has no authorizer \(AuthorizationType NONE\)/);
      line(/route PATCH \/users\/\{userId\}: answered \d+ to a request without an API key, not 401/);
    },
    TIMEOUT_MS,
  );
});
