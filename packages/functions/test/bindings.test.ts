import { randomUUID } from "node:crypto";
import { DeleteParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { APP_NAME, routes } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor } from "../../local/src/stage.js";
import { bindFunctionsToNewStage, type BoundStage } from "./helpers/local-stage.js";

let stage: BoundStage;
let bindings: typeof import("../src/bindings.js") & typeof import("../src/secrets.js");
const ssm = () => clientsFor(stage.endpoints).ssm;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("bindings", { functionId: routes.listUsers.id });
  bindings = { ...(await import("../src/bindings.js")), ...(await import("../src/secrets.js")) };
});

/** A Config.Secret of this test only, bound as SST binds one: its variable holds the placeholder. */
function bindSecret(): { id: string; stagePath: string; fallbackPath: string } {
  const id = `TEST_SECRET_${randomUUID().slice(0, 8).toUpperCase()}`;
  process.env[`SST_Secret_value_${id}`] = "__FETCH_FROM_SSM__";
  return { id, stagePath: `/sst/${APP_NAME}/${stage.stage}/Secret/${id}/value`, fallbackPath: `/sst/${APP_NAME}/.fallback/Secret/${id}/value` };
}

const putParameter = (name: string, value: string) => ssm().send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString", Overwrite: true }));

describe("bindings", () => {
  afterAll(() => {
    for (const name of Object.keys(process.env)) if (name.startsWith("SST_Secret_value_TEST_SECRET_")) delete process.env[name];
  });

  it("reads a table's name and a parameter's value from the variables SST sets", () => {
    expect(bindings.Table.Users.tableName).toBe(stage.tableName);
    expect(bindings.Parameter.API_KEYS_SECRET_ARN).toBe(stage.apiKeysSecretArn);
  });

  it("names the construct when it is not bound, as sst/node does", () => {
    const unbound = bindings.Table as unknown as Record<string, { tableName: string }>;
    expect(() => unbound.Orders?.tableName).toThrow("Cannot use Table.Orders. Please make sure it is bound to this function.");
    return expect(bindings.readSecret("NOT_BOUND" as never)).rejects.toThrow("Cannot use Config.NOT_BOUND. Please make sure it is bound to this function.");
  });

  it("fetches a Config.Secret from the stage's SSM path on first use, and keeps it for the container's life", async () => {
    expect(await bindings.readSecret("CURSOR_SECRET")).toBe(stage.cursorSecret);
    const { id, stagePath } = bindSecret();
    await putParameter(stagePath, "first");

    expect(await bindings.readSecret(id as never)).toBe("first");
    await putParameter(stagePath, "second");
    expect(await bindings.readSecret(id as never)).toBe("first");
  });

  it("falls back to the app's .fallback path, as sst/node/config does", async () => {
    const { id, fallbackPath } = bindSecret();
    await putParameter(fallbackPath, "shared by every stage");

    expect(await bindings.readSecret(id as never)).toBe("shared by every stage");
    await ssm().send(new DeleteParameterCommand({ Name: fallbackPath }));
  });

  it("fails when the secret is set nowhere, and fetches it again on the next call", async () => {
    const { id, stagePath } = bindSecret();

    await expect(bindings.readSecret(id as never)).rejects.toThrow(`The following secret values are not set in the "${stage.stage} stage": ${id}`);
    await putParameter(stagePath, "set afterwards");
    expect(await bindings.readSecret(id as never)).toBe("set afterwards");
  });

  it("passes a secret's value that is not SST's placeholder on as it is", async () => {
    const id = `TEST_SECRET_PLAIN_${randomUUID().slice(0, 8).toUpperCase()}`;
    process.env[`SST_Secret_value_${id}`] = "given directly";
    expect(await bindings.readSecret(id as never)).toBe("given directly");
    delete process.env[`SST_Secret_value_${id}`];
  });
});
