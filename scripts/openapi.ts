import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { openApiDocument } from "@users-api/core/api/openapi";

/** Writes the API's OpenAPI document: `pnpm openapi [--out openapi.json] [--server-url URL]`. */
const { values } = parseArgs({
  options: {
    out: { type: "string", default: "openapi.json" },
    "server-url": { type: "string" },
  },
});

// pnpm runs scripts from the repository root; a relative --out means the caller's directory.
const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
const document = openApiDocument({ serverUrl: values["server-url"] });
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
console.log(`Wrote ${out}`);
