import { randomUUID } from "node:crypto";
import { DeleteParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { APP_NAME, bindings, routes, sstParameterPath } from "@users-api/core";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clientsFor } from "@users-api/emulators/stage";
import { bindFunctionsToNewStage, type BoundStage } from "./helpers/local-stage.js";

let stage: BoundStage;
const ssm = () => clientsFor(stage.endpoints).ssm;
const putParameter = (name: string, value: string) => ssm().send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString", Overwrite: true }));

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("bindings", { functionId: routes.listUsers.id });
});

/** The modules as a new execution environment loads them: nothing fetched yet. */
async function freshModules() {
  vi.resetModules();
  return { ...(await import("../src/bindings.js")), ...(await import("../src/secrets.js")) };
}

afterEach(() => {
  process.env.SST_STAGE = stage.stage;
});

describe("boundValue", () => {
  it("reads a table's name and a parameter's value from the variables SST sets", async () => {
    const { boundValue } = await freshModules();
    expect(boundValue("usersTable")).toBe(stage.tableName);
    expect(boundValue("apiKeysSecretArn")).toBe(stage.apiKeysSecretArn);
  });

  it("names the variable of a binding the function lacks, and refuses a secret's placeholder", async () => {
    const { boundValue } = await freshModules();
    const saved = process.env.SST_Table_tableName_Users;
    delete process.env.SST_Table_tableName_Users;
    try {
      expect(() => boundValue("usersTable")).toThrow("SST_Table_tableName_Users is not set: is usersTable bound to this function?");
    } finally {
      process.env.SST_Table_tableName_Users = saved;
    }
    expect(() => boundValue("cursorSecret")).toThrow("SST_Secret_value_CURSOR_SECRET is not set");
  });
});

describe("boundSecret", () => {
  it("fetches a Config.Secret from the stage's SSM path on first use, and keeps it for the environment's life", async () => {
    const { boundSecret } = await freshModules();
    expect(await boundSecret("cursorSecret")).toBe(stage.cursorSecret);

    await putParameter(sstParameterPath(APP_NAME, stage.stage, bindings.cursorSecret), "rotated");
    expect(await boundSecret("cursorSecret")).toBe(stage.cursorSecret);
    await putParameter(sstParameterPath(APP_NAME, stage.stage, bindings.cursorSecret), stage.cursorSecret);
  });

  it("falls back to the app's .fallback path, as sst secrets set --fallback and sst/node/config do", async () => {
    const { boundSecret } = await freshModules();
    process.env.SST_STAGE = `unset-${randomUUID().slice(0, 8)}`;
    const fallback = sstParameterPath(APP_NAME, ".fallback", bindings.cursorSecret);
    await putParameter(fallback, "shared by every stage");
    try {
      expect(await boundSecret("cursorSecret")).toBe("shared by every stage");
    } finally {
      await ssm().send(new DeleteParameterCommand({ Name: fallback }));
    }
  });

  it("fails when the secret is set nowhere, and fetches it again on the next call", async () => {
    const { boundSecret } = await freshModules();
    const unset = `unset-${randomUUID().slice(0, 8)}`;
    process.env.SST_STAGE = unset;

    await expect(boundSecret("cursorSecret")).rejects.toThrow(`The CURSOR_SECRET secret is not set for stage ${unset}`);
    await putParameter(sstParameterPath(APP_NAME, unset, bindings.cursorSecret), "set afterwards");
    expect(await boundSecret("cursorSecret")).toBe("set afterwards");
  });

  it("passes a secret variable that holds its value on as it is", async () => {
    const { boundSecret } = await freshModules();
    const saved = process.env.SST_Secret_value_CURSOR_SECRET;
    process.env.SST_Secret_value_CURSOR_SECRET = "given directly";
    try {
      expect(await boundSecret("cursorSecret")).toBe("given directly");
    } finally {
      process.env.SST_Secret_value_CURSOR_SECRET = saved;
    }
  });
});
