import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RouteDefinition } from "@users-api/core";
import { inject } from "vitest";
import { createApiKey } from "@users-api/emulators/api-keys";
import { startLocalApi } from "../../../src/gateway/index.js";
import { clientsFor, prepareLocalStage } from "@users-api/emulators/stage";
import type { RecordedExchange } from "../../../../../test/openapi/helpers/response-validator.js";

export interface CallOptions {
  /** A JSON value, serialized, or a raw string. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The x-api-key to send; `null` sends none. @default the full-access key */
  readonly key?: string | null;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly json: unknown;
}

export interface RecordingApiOptions {
  /** @default every route */
  readonly routes?: readonly RouteDefinition[];
  /** Where a function's allowed DynamoDB calls go instead of DynamoDB Local, by function id (behind the IAM proxy). */
  readonly dynamoDbEndpointOverrides?: Readonly<Record<string, string>>;
  /** Variables that replace some of a function's configuration, by function id (not its AWS endpoints). */
  readonly environmentOverrides?: Readonly<Record<string, Record<string, string>>>;
  readonly integrationTimeoutSeconds?: number;
}

/**
 * The API run locally on its own stage of the shared emulators, with a
 * full-access and a read-only key; every exchange through `call` is recorded.
 */
export async function startRecordingApi(name: string, options: RecordingApiOptions = {}) {
  const stage = await prepareLocalStage({
    endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
    stage: `${name}-${randomBytes(4).toString("hex")}`,
    cursorSecret: randomBytes(32).toString("base64url"),
  });
  const { secretsManager } = clientsFor(stage.endpoints);
  const keys = {
    full: (await createApiKey(secretsManager, stage.apiKeysSecretArn, "full-access", ["users:read", "users:write"])).key,
    readOnly: (await createApiKey(secretsManager, stage.apiKeysSecretArn, "read-only", ["users:read"])).key,
  };
  secretsManager.destroy();
  const workDir = await mkdtemp(join(tmpdir(), `users-api-${name}-`));
  const api = await startLocalApi({
    stage,
    buildDir: join(workDir, "build"),
    ...(options.routes ? { functions: { routes: options.routes } } : {}),
    ...(options.integrationTimeoutSeconds ? { integrationTimeoutSeconds: options.integrationTimeoutSeconds } : {}),
    iamUpstreamsFor: (functionId) => {
      const dynamodb = options.dynamoDbEndpointOverrides?.[functionId];
      return dynamodb ? { dynamodb } : {};
    },
    environmentOverridesFor: (functionId) => ({ ...options.environmentOverrides?.[functionId] }),
  });
  const exchanges: RecordedExchange[] = [];

  async function call(method: string, path: string, callOptions: CallOptions = {}): Promise<Reply> {
    const key = callOptions.key === undefined ? keys.full : callOptions.key;
    const body = callOptions.body === undefined || typeof callOptions.body === "string" ? callOptions.body : JSON.stringify(callOptions.body);
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(key !== null ? { "x-api-key": key } : {}),
        ...callOptions.headers,
      },
      body,
    });
    const text = await response.text();
    const headers = Object.fromEntries(response.headers);
    exchanges.push({ method, path: new URL(path, api.url).pathname, status: response.status, headers, body: text });
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers, json };
  }

  return {
    keys,
    exchanges,
    call,
    async stop() {
      await api.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
