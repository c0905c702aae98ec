import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCompositeAction, stepOf } from "./helpers/github-files.js";
import { runBashStep } from "./helpers/shell.js";

const action = await loadCompositeAction("deploy-stage");
const readUrl = stepOf(action.runs.steps, { id: "api-url" }).run ?? "";
const smokeTest = action.runs.steps.find((step) => step.name === "Smoke test")?.run ?? "";

const checkouts: string[] = [];
afterEach(async () => {
  await Promise.all(checkouts.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A checkout after `sst deploy`: `.sst/outputs.json` as SST writes it, and an empty `$GITHUB_OUTPUT`. */
async function deployedCheckout(outputs: Record<string, Record<string, string>>) {
  const root = await mkdtemp(path.join(tmpdir(), "deploy-stage-"));
  checkouts.push(root);
  await mkdir(path.join(root, ".sst"));
  await writeFile(path.join(root, ".sst/outputs.json"), JSON.stringify(outputs, null, 2));
  const githubOutput = path.join(root, "github-output");
  await writeFile(githubOutput, "");
  return { root, githubOutput };
}

describe("the deploy-stage action", () => {
  it("deploys the given stage with sst deploy, telemetry off", () => {
    const deployStep = action.runs.steps[0];
    expect(deployStep?.run).toBe('pnpm exec sst deploy --stage "$STAGE"');
    expect(deployStep?.env).toEqual({ SST_TELEMETRY_DISABLED: "1", STAGE: "${{ inputs.stage }}" });
    expect(action.outputs?.url?.value).toBe("${{ steps.api-url.outputs.url }}");
  });

  it("reads the API URL from the ApiEndpoint output of whichever stack has it", async () => {
    const { root, githubOutput } = await deployedCheckout({
      "pr-12-users-api-Database": {},
      "pr-12-users-api-Secrets": { ApiKeysSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" },
      "pr-12-users-api-Api": { ApiEndpoint: "https://abc123.execute-api.us-east-1.amazonaws.com/pr-12/" },
    });

    const result = await runBashStep(readUrl, { cwd: root, env: { GITHUB_OUTPUT: githubOutput } });

    expect(result.status).toBe(0);
    expect(await readFile(githubOutput, "utf8")).toBe("url=https://abc123.execute-api.us-east-1.amazonaws.com/pr-12/\n");
  });

  it("fails with an annotation when no stack has an ApiEndpoint output", async () => {
    const { root, githubOutput } = await deployedCheckout({ "pr-12-users-api-Database": {} });

    const result = await runBashStep(readUrl, { cwd: root, env: { GITHUB_OUTPUT: githubOutput } });

    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("::error::no ApiEndpoint output");
    expect(await readFile(githubOutput, "utf8")).toBe("");
  });

  describe("smoke test", () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    /** A stand-in for the stage's API that answers every request with this status, recording the paths asked. */
    async function apiAnswering(status: number) {
      const paths: string[] = [];
      server = createServer((request, response) => {
        paths.push(request.url ?? "");
        response.writeHead(status, { "content-type": "application/json" }).end("{}");
      });
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}/pr-12/`, paths };
    }

    it("passes when the API turns a request without a key away with 401", async () => {
      const api = await apiAnswering(401);

      const result = await runBashStep(smokeTest, { cwd: tmpdir(), env: { API_URL: api.url } });

      expect(result.status).toBe(0);
      expect(api.paths).toEqual(["/pr-12/users"]);
    });

    it.each([200, 403, 404])("fails when the API answers %i", async (status) => {
      const api = await apiAnswering(status);

      const result = await runBashStep(smokeTest, { cwd: tmpdir(), env: { API_URL: api.url } });

      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain(`::error::GET /users without a key answered ${status}, expected 401`);
    });

    it("fails when nothing answers at all", async () => {
      const api = await apiAnswering(401);
      await new Promise<void>((resolve) => server?.close(() => resolve()));
      server = undefined;

      const result = await runBashStep(smokeTest, { cwd: tmpdir(), env: { API_URL: api.url } });

      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain("answered 000, expected 401");
    });
  });
});
