import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROBLEM_CONTENT_TYPE, type Scope } from "@users-api/core";
import { expect, inject } from "vitest";
import { createApiKey } from "@users-api/emulators/api-keys";
import { startLocalApi, type LocalApiOptions } from "../../src/gateway/index.js";
import { clientsFor, prepareLocalStage, type LocalStage } from "@users-api/emulators/stage";

type TestApiOptions = Omit<Partial<LocalApiOptions>, "stage" | "buildDir">;

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or `undefined` when it is empty or not JSON. */
  readonly json: unknown;
}

export interface RequestOptions {
  /** A JSON value (serialized) or a raw string body. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The x-api-key to send; `null` sends none. @default the full-access key */
  readonly key?: string | null;
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

/**
 * Sends requests as given, body and headers untouched, with `defaultKey` unless told otherwise: for what a typed
 * client cannot send (malformed bodies, unknown routes, odd headers).
 */
export function rawRequests(baseUrl: string, defaultKey: string) {
  return async function request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const key = options.key === undefined ? defaultKey : options.key;
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(key !== null ? { "x-api-key": key } : {}),
        ...options.headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: parseJson(text) };
  };
}

const parseJson = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * A local stage of its own on the shared emulators (unique stage and table),
 * a full-access and a read-only API key, and the local API Gateway started on
 * it with a temporary build directory. `options` may depend on the stage
 * (e.g. an IAM proxy started for it).
 */
export async function startTestApi(name: string, options: TestApiOptions | ((stage: LocalStage) => Promise<TestApiOptions>) = {}) {
  const stage: LocalStage = await prepareLocalStage({
    endpoints: { dynamoDb: inject("dynamoDbEndpoint"), moto: inject("motoEndpoint") },
    stage: `${name}-${randomBytes(4).toString("hex")}`,
    cursorSecret: randomBytes(32).toString("base64url"),
  });
  const { secretsManager } = clientsFor(stage.endpoints);
  const addKey = async (keyName: string, scopes: readonly Scope[]) => (await createApiKey(secretsManager, stage.apiKeysSecretArn, keyName, scopes)).key;
  const keys = { full: await addKey("full-access", ["users:read", "users:write"]), readOnly: await addKey("read-only", ["users:read"]) };
  const workDir = await mkdtemp(join(tmpdir(), `users-api-${name}-`));
  const logDir = join(workDir, "logs");
  const api = await startLocalApi({
    stage,
    buildDir: join(workDir, "build"),
    logDir,
    ...(typeof options === "function" ? await options(stage) : options),
  });

  const request = rawRequests(api.url, keys.full);

  /** The function's output so far (its "log group"). */
  const logOf = (functionId: string) => {
    const file = join(logDir, `${functionId}.log`);
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  };

  return {
    stage,
    url: api.url,
    /** The IAM proxy every function's AWS calls go through. */
    iam: api.iam,
    keys,
    addKey,
    secretsManager,
    request,
    logOf,
    /**
     * How many times a function has been invoked (Lambda's START lines), once
     * its log has stopped growing: logs are written asynchronously.
     */
    async invocationsOf(functionId: string) {
      let log = logOf(functionId);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const now = logOf(functionId);
        if (now === log) return log.match(/^START RequestId: /gm)?.length ?? 0;
        log = now;
      }
    },
    /** Stops the API as `pnpm local` does (draining requests in flight); says how many the drain timeout cut off. */
    async stop() {
      const stopped = await api.stop();
      secretsManager.destroy();
      await rm(workDir, { recursive: true, force: true });
      return stopped;
    },
  };
}

/** Asserts an RFC 9457 problem document with the response's status. */
export function expectProblem(response: ApiResponse, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
  expect(response.json).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
}
