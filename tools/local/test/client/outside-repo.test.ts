import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../helpers/local-api.js";

const run = promisify(execFile);
const clientDir = fileURLToPath(new URL("../../../../packages/client", import.meta.url));

/** The README's `first-users.mjs`, as written there. */
async function readmeScript(): Promise<string> {
  const readme = await readFile(path.join(clientDir, "README.md"), "utf8");
  const script = /`first-users\.mjs`[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!script) throw new Error("packages/client/README.md has no first-users.mjs block");
  return script;
}

describe("the typed client from a script outside the repository, as its README says", () => {
  let api: TestApi;
  let work: string;
  beforeAll(async () => {
    api = await startTestApi("client-outside");
    // Outside the repository: no workspace, no pnpm, nothing but what the README's commands put there.
    work = await mkdtemp(path.join(tmpdir(), "users-api-outside-"));
    await run("pnpm", ["--filter", "@users-api/client", "pack", "--pack-destination", work], { cwd: clientDir });
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith(".tgz"));
    expect(tarball).toBe("users-api-client-0.1.0.tgz");
    const project = path.join(work, "my-script");
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), '{ "type": "module" }\n');
    // What `npm install <tarball>` lays out, without the registry: the package and its one dependency.
    const installed = path.join(project, "node_modules/@users-api/client");
    await mkdir(installed, { recursive: true });
    await run("tar", ["-xzf", path.join(work, tarball ?? ""), "-C", installed, "--strip-components=1"]);
    await symlink(await realpath(path.join(clientDir, "node_modules/openapi-fetch")), path.join(project, "node_modules/openapi-fetch"));
    await writeFile(path.join(project, "first-users.mjs"), await readmeScript());
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("runs first-users.mjs with node against a local API: creates a user and lists it", async () => {
    const { stdout, stderr } = await run(process.execPath, ["first-users.mjs"], {
      cwd: path.join(work, "my-script"),
      env: { ...process.env, USERS_API_URL: api.url, USERS_API_KEY: api.keys.full },
    });

    expect(stderr).toBe("");
    const [created, ...emails] = stdout.trim().split("\n");
    expect(created).toMatch(/^created [0-9a-f-]{36}$/);
    expect(emails[0]).toMatch(/^script-\d+@example\.com$/);
  });
});
