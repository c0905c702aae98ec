import { createUsersApiClient, retryAfterMs, type CallResult, type UsersApiClient } from "@users-api/client";
import { PROBLEM_CONTENT_TYPE } from "@users-api/core";
import { expect } from "vitest";
import { rawRequests, startTestApi, type ApiResponse, type RequestOptions } from "../helpers/local-api.js";

/**
 * Where the end-to-end suites send their requests. Unset, each test file starts a local API of its own on the
 * emulators; with `E2E_BASE_URL`, every request goes to that API (a preview stage, staging, prod, `pnpm local`)
 * with the keys below. `pnpm test:e2e --url ...` sets them.
 */
export const targetEnvironment = {
  /** The API root, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/pr-12 */
  baseUrl: "E2E_BASE_URL",
  /** A key with users:read and users:write (the portable suite). */
  apiKey: "E2E_API_KEY",
  /** A key with users:read only (the portable suite's scope checks, and the read-only smoke suite). */
  readOnlyKey: "E2E_READ_ONLY_KEY",
} as const;

export interface E2eTarget {
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** `local`: an API this test file started; `remote`: the API at E2E_BASE_URL. */
  readonly kind: "local" | "remote";
  readonly keys: { readonly full: string; readonly readOnly: string };
  /**
   * The typed client, with the full-access key unless given another (`null`: no key). It retries 429s, which a
   * deployed stage's throttling can give any test, and nothing else.
   */
  client(key?: string | null): UsersApiClient;
  /**
   * A request sent exactly as given, for what the contract does not describe (malformed bodies, unknown routes).
   * Like the client, it sends a throttled request (429) again, and nothing else.
   */
  raw(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Attempts after the first when a stage throttles a request: API Gateway's 429 means the API never saw it. */
const THROTTLE_RETRIES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryingThrottled(send: E2eTarget["raw"]): E2eTarget["raw"] {
  return async (method, path, options) => {
    for (let attempt = 0; ; attempt++) {
      const response = await send(method, path, options);
      if (response.status !== 429 || attempt >= THROTTLE_RETRIES) return response;
      await sleep(Math.min(5000, retryAfterMs(response.headers.get("retry-after")) ?? 200 * 2 ** attempt));
    }
  };
}

const required = (name: string, why: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required when ${targetEnvironment.baseUrl} is set: ${why}.`);
  return value;
};

/**
 * The API the suites test. `needs: "read-only"` (the smoke suite) asks only for the read-only key, so a run
 * against prod holds no key that can write.
 */
export async function e2eTarget(name: string, needs: "full" | "read-only" = "full"): Promise<E2eTarget> {
  const remoteUrl = process.env[targetEnvironment.baseUrl];
  let url: string;
  let keys: E2eTarget["keys"];
  let stop = async (): Promise<void> => undefined;
  if (remoteUrl) {
    url = remoteUrl.replace(/\/+$/, "");
    const readOnly = required(targetEnvironment.readOnlyKey, "a key with the users:read scope only");
    keys = { readOnly, full: needs === "full" ? required(targetEnvironment.apiKey, "a key with users:read and users:write") : readOnly };
  } else {
    const api = await startTestApi(name);
    url = api.url;
    keys = needs === "full" ? api.keys : { full: api.keys.readOnly, readOnly: api.keys.readOnly };
    stop = async () => {
      await api.stop();
    };
  }
  return {
    url,
    kind: remoteUrl ? "remote" : "local",
    keys,
    client: (key = keys.full) =>
      createUsersApiClient({ baseUrl: url, ...(key === null ? {} : { apiKey: key }), retry: { statuses: [429], retries: THROTTLE_RETRIES } }),
    raw: retryingThrottled(rawRequests(url, keys.full)),
    stop,
  };
}

/**
 * The cursor with one signature character changed: the second to last, as the last one's low bits fall past the
 * signature's final byte and a change there may decode to the same bytes.
 */
export function tamperedCursor(cursor: string): string {
  const at = cursor.length - 2;
  return `${cursor.slice(0, at)}${cursor[at] === "A" ? "B" : "A"}${cursor.slice(at + 1)}`;
}

/** Asserts a typed client's result is an RFC 9457 problem document with this status. */
export function expectProblemResult(result: CallResult<unknown>, status: number) {
  expect(result.response.status, JSON.stringify(result.error ?? result.data)).toBe(status);
  expect(result.response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
  expect(result.error).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
}
