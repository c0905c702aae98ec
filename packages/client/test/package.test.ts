import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const typescript = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));

/** What a project that installed the published tarball sees: the package in its node_modules, and its dependency. */
describe("the packed @users-api/client", () => {
  let work: string;
  let installed: string;
  let files: string[];
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "users-api-client-pack-"));
    // As `pnpm publish` would pack it: prepack builds dist/, publishConfig rewrites exports.
    await run("pnpm", ["pack", "--pack-destination", work], { cwd: packageDir });
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith(".tgz"));
    const consumer = path.join(work, "consumer");
    installed = path.join(consumer, "node_modules/@users-api/client");
    await mkdir(installed, { recursive: true });
    await run("tar", ["-xzf", path.join(work, tarball ?? ""), "-C", installed, "--strip-components=1"]);
    await symlink(await realpath(path.join(packageDir, "node_modules/openapi-fetch")), path.join(consumer, "node_modules/openapi-fetch"));
    files = (await readdir(installed, { recursive: true })).map(String).sort();
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("holds the ESM build, its types and the README, and no sources or tests", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "package.json", "dist/index.js", "dist/index.d.ts", "dist/generated/openapi.d.ts"]));
    expect(files.filter((file) => /^(src|test|scripts)\b|\.ts$/.test(file) && !file.endsWith(".d.ts"))).toEqual([]);
  });

  it("exports the build, not the workspace's TypeScript sources", async () => {
    const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8")) as Record<string, unknown>;

    expect(manifest).toMatchObject({
      name: "@users-api/client",
      type: "module",
      exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } },
      dependencies: { "openapi-fetch": expect.any(String) },
    });
    expect(manifest).not.toHaveProperty("devDependencies.@users-api/core", "workspace:*");
  });

  it("runs in Node as an ES module: pages through users with a stubbed fetch", async () => {
    const script = `
      import { createUsersApiClient, allUsers, apiKeyHeader } from "@users-api/client";
      const pages = [
        { items: [{ userId: "u-2" }, { userId: "u-1" }], nextCursor: "c-1" },
        { items: [{ userId: "u-0" }], nextCursor: null },
      ];
      const seen = [];
      const api = createUsersApiClient({
        baseUrl: "https://api.example.com/prod/",
        apiKey: "k-1",
        fetch: async (request) => {
          seen.push(request.url + " " + request.headers.get(apiKeyHeader));
          return Response.json(pages.shift());
        },
      });
      const ids = [];
      for await (const user of allUsers(api, { limit: 2 })) ids.push(user.userId);
      console.log(JSON.stringify({ ids, seen }));
    `;
    await writeFile(path.join(work, "consumer/run.mjs"), script);

    const { stdout } = await run(process.execPath, ["run.mjs"], { cwd: path.join(work, "consumer") });

    expect(JSON.parse(stdout)).toEqual({
      ids: ["u-2", "u-1", "u-0"],
      seen: ["https://api.example.com/prod/users?limit=2 k-1", "https://api.example.com/prod/users?limit=2&cursor=c-1 k-1"],
    });
  });

  it("type-checks a consumer against its declarations, which refuse what the API document does not allow", async () => {
    const consumer = `
      import { createUsersApiClient, ifMatch, type User } from "@users-api/client";
      const api = createUsersApiClient({ baseUrl: "http://127.0.0.1:3000", apiKey: "k" });
      export async function rename(userId: string, etag: string): Promise<User | undefined> {
        const { data } = await api.PATCH("/users/{userId}", { params: { path: { userId }, header: ifMatch(etag) }, body: { name: "Ada" } });
        return data;
      }
      // @ts-expect-error: no such path
      void api.GET("/accounts");
      // @ts-expect-error: limit is a number
      void api.GET("/users", { params: { query: { limit: "ten" } } });
      // @ts-expect-error: a user needs a name
      void api.POST("/users", { body: { email: "ada@example.com" } });
    `;
    await writeFile(path.join(work, "consumer/consumer.ts"), consumer);
    await writeFile(path.join(work, "consumer/package.json"), JSON.stringify({ type: "module" }));
    const compilerOptions = {
      noEmit: true,
      strict: true,
      module: "nodenext",
      moduleResolution: "nodenext",
      target: "es2022",
      lib: ["es2022", "dom"],
      types: [],
    };
    await writeFile(path.join(work, "consumer/tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));

    const result = await run(process.execPath, [typescript, "-p", "tsconfig.json"], { cwd: path.join(work, "consumer") }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );

    expect(result.stdout).toBe("");
  });
});
