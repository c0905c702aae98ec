import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openApiDocument } from "@users-api/core/api/openapi";
import { apiReferenceFiles } from "../gateway/api-reference.js";

export const buildUsage = `Write the API reference page as static files, for any static host (S3, CloudFront, GitHub Pages).

  pnpm docs:build [--server-url <a stage's ApiEndpoint>] [--out .local/api-reference]

--server-url  the API that "Try it out" calls; default: the deployed URL with its id, region and stage as variables
--out         the directory to write: index.html, docs/ (Swagger UI from swagger-ui-dist), openapi.json

Host it with the Content-Security-Policy /docs has, its connect-src also naming the API's origin (see README).`;

/**
 * The same page `pnpm local` serves at /docs, as files: `index.html` loads `docs/<asset>` and `openapi.json`
 * relative to itself, exactly as /docs does on the API's own origin.
 */
export function buildApiReference(outDir: string, serverUrl?: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  const files = apiReferenceFiles("openapi.json");
  const written: string[] = [];
  const write = (name: string, body: Buffer | string) => {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), body);
    written.push(name);
  };
  for (const [name, file] of files) write(name === "docs" ? "index.html" : name, file.body);
  write("openapi.json", `${JSON.stringify(openApiDocument(serverUrl === undefined ? {} : { serverUrl }), null, 2)}\n`);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { "server-url": { type: "string" }, out: { type: "string", default: ".local/api-reference" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(buildUsage);
  } else {
    // pnpm runs scripts from the repository root; a relative --out means the caller's directory.
    const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
    const written = buildApiReference(out, values["server-url"]);
    console.log(`Wrote ${written.length} files to ${out}: ${written.join(", ")}`);
  }
}
