import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { authorizer, routes } from "@users-api/core";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey, revokeApiKey } from "@users-api/emulators/api-keys";
import { clientsFor } from "@users-api/emulators/stage";
import { authorizerEvent } from "./helpers/api-gateway-event.js";
import { bindFunctionsToNewStage, type BoundStage } from "./helpers/local-stage.js";

type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

let stage: BoundStage;
let secrets: SecretsManagerClient;
let handler: AuthorizerHandler;
let reader: { key: string };
let writer: { key: string };
/** Everything the function writes to stdout and stderr: its logs. */
let output: string[];

/** A little more than the authorizer caches key records. */
const KEY_CACHE_MS = 61_000;

/** Fake time only moves forward across tests, as the authorizer's caches expect. */
let fakeNow = Date.now();
const advanceClock = (ms: number) => {
  fakeNow = Math.max(fakeNow, Date.now()) + ms;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(fakeNow);
};

const withKey = (key: string, header: string = authorizer.identityHeader) => authorizerEvent(routes.getUser, { [header]: key });

beforeAll(async () => {
  // Log everything, so the test sees any line that could carry a key.
  stage = await bindFunctionsToNewStage("authorizer", { functionId: authorizer.id, environment: { POWERTOOLS_LOG_LEVEL: "DEBUG" } });
  secrets = clientsFor(stage.endpoints).secretsManager;
  reader = await createApiKey(secrets, stage.apiKeysSecretArn, "reporting", ["users:read"]);
  writer = await createApiKey(secrets, stage.apiKeysSecretArn, "crm-sync", ["users:read", "users:write"]);
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  handler = (await import("../src/authorizer.js")).handler;
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(() => {
  vi.restoreAllMocks();
  secrets.destroy();
});

describe("authorizer", () => {
  it("allows a valid key on the whole stage and passes its name and scopes to the handlers", async () => {
    const result = await handler(withKey(writer.key));

    expect(result).toEqual({
      principalId: "crm-sync",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/test/*" }],
      },
      context: { keyName: "crm-sync", scopes: "users:read users:write" },
    });
  });

  it("passes only the scopes the key has", async () => {
    expect((await handler(withKey(reader.key))).context).toEqual({ keyName: "reporting", scopes: "users:read" });
  });

  it("finds the key header whatever its case", async () => {
    expect((await handler(withKey(reader.key, "X-API-Key"))).principalId).toBe("reporting");
  });

  it.each([
    ["an unknown key", "uak_not-a-key-anyone-was-given"],
    ["an empty key", ""],
    ["a key's hash instead of the key", "0".repeat(64)],
  ])("rejects %s with Unauthorized", async (_, key) => {
    await expect(handler(withKey(key))).rejects.toThrow(/^Unauthorized$/);
  });

  it("rejects a request without the key header with Unauthorized", async () => {
    await expect(handler(authorizerEvent(routes.getUser, {}))).rejects.toThrow(/^Unauthorized$/);
  });

  it("accepts a key created after the key records were cached, without waiting for the cache", async () => {
    advanceClock(KEY_CACHE_MS);
    await handler(withKey(reader.key));
    const fresh = await createApiKey(secrets, stage.apiKeysSecretArn, "fresh", ["users:read"]);

    expect((await handler(withKey(fresh.key))).principalId).toBe("fresh");
  });

  it("re-reads the secret for unknown keys at most once every few seconds", async () => {
    advanceClock(KEY_CACHE_MS);
    await expect(handler(withKey("uak_unknown-1"))).rejects.toThrow(/^Unauthorized$/);
    const late = await createApiKey(secrets, stage.apiKeysSecretArn, "late", ["users:read"]);

    await expect(handler(withKey(late.key))).rejects.toThrow(/^Unauthorized$/);
    advanceClock(5_001);
    expect((await handler(withKey(late.key))).principalId).toBe("late");
  });

  it("keeps accepting a revoked key until its cache expires, then rejects it", async () => {
    const revocable = await createApiKey(secrets, stage.apiKeysSecretArn, "revocable", ["users:read"]);
    // Past the cache of the earlier calls, so the new key is loaded.
    advanceClock(KEY_CACHE_MS);
    expect((await handler(withKey(revocable.key))).principalId).toBe("revocable");

    await revokeApiKey(secrets, stage.apiKeysSecretArn, "revocable");

    expect((await handler(withKey(revocable.key))).principalId).toBe("revocable");
    advanceClock(KEY_CACHE_MS);
    await expect(handler(withKey(revocable.key))).rejects.toThrow(/^Unauthorized$/);
    expect((await handler(withKey(reader.key))).principalId).toBe("reporting");
  });

  it("never writes a presented key to its logs", async () => {
    const unknown = "uak_unknown-key-that-must-not-be-logged";
    await handler(withKey(writer.key));
    await expect(handler(withKey(unknown))).rejects.toThrow("Unauthorized");

    const logs = output.join("");
    // The capture works: the rejection itself was logged.
    expect(logs).toContain("rejected an unknown or revoked API key");
    for (const key of [reader.key, writer.key, unknown]) expect(logs).not.toContain(key);
  });
});
