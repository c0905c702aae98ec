import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateSchemaTypes, generatedSchemaFile } from "../scripts/generate.js";

describe("the client's generated types", () => {
  it("are what openapi-typescript makes of the current OpenAPI document (else run `pnpm client:generate`)", async () => {
    const committed = await readFile(generatedSchemaFile, "utf8");

    const fresh = await generateSchemaTypes();

    expect(committed, "packages/client/src/generated/openapi.ts is stale: run `pnpm client:generate` and commit it").toBe(fresh);
  });

  it("name the API-key header of the document's security scheme", async () => {
    expect(await generateSchemaTypes()).toMatch(/^export const apiKeyHeader = "x-api-key";$/m);
  });
});
