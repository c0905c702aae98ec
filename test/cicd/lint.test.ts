import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/github-files.js";
import { run } from "./helpers/shell.js";

const biome = path.join(repoRoot, "node_modules/.bin/biome");
const BIOME_CHECK = "biome check --error-on-warnings .";

/** Lints the given files with the repository's Biome configuration, in a folder of their own. */
async function lint(files: Readonly<Record<string, string>>) {
  const dir = await mkdtemp(path.join(tmpdir(), "users-api-lint-"));
  try {
    await cp(path.join(repoRoot, "biome.jsonc"), path.join(dir, "biome.jsonc"));
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    // The copy is not a git checkout: read no ignore file there.
    const { status, stdout, stderr } = await run(biome, ["lint", "--error-on-warnings", "--vcs-enabled=false", "."], { cwd: dir });
    return { status, output: stdout + stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the TypeScript linter and formatter (Biome)", () => {
  let scripts: Record<string, string>;
  beforeAll(async () => {
    ({ scripts } = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> });
  });

  it("runs in pnpm test (the command .ci/run runs) right after the prerequisites check and before anything else, and first in pnpm lint: lint rules and format, warnings included", async () => {
    expect(scripts.test?.startsWith(`node --import tsx test/prerequisites.ts && ${BIOME_CHECK} && `)).toBe(true);
    expect(scripts.lint?.startsWith(`${BIOME_CHECK} && `)).toBe(true);
    expect(await readFile(path.join(repoRoot, ".ci/run"), "utf8")).toMatch(/&& pnpm test \|\|/);
  });

  it("refuses a file that breaks a rule, naming the rule and the file", async () => {
    const { status, output } = await lint({ "src/broken.ts": 'import { unused } from "./elsewhere.js";\nexport const answer = 42;\n' });
    expect(status).not.toBe(0);
    expect(output).toContain("src/broken.ts");
    expect(output).toContain("lint/correctness/noUnusedImports");
  });

  it("passes the same file once the rule is kept", async () => {
    const { status, output } = await lint({ "src/kept.ts": "export const answer = 42;\n" });
    expect(output).not.toContain("lint/");
    expect(status).toBe(0);
  });

  it("lets the workflow tests write GitHub Actions expressions, and only them", async () => {
    const expression = 'export const step = "echo ${{ secrets.TOKEN }}";\n';
    expect((await lint({ "test/cicd/step.test.ts": expression })).status).toBe(0);
    const elsewhere = await lint({ "src/step.ts": expression });
    expect(elsewhere.status).not.toBe(0);
    expect(elsewhere.output).toContain("lint/suspicious/noTemplateCurlyInString");
  });
});
