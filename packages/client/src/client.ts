import createClient, { type Client } from "openapi-fetch";
import { apiKeyHeader, type paths } from "./generated/openapi.js";
import { retryingFetch, type RetryOptions } from "./retry.js";

/** A typed client of every operation in the API's OpenAPI document (openapi-fetch). */
export type UsersApiClient = Client<paths>;

export interface UsersApiClientOptions {
  /**
   * The API root: a stage's `ApiEndpoint` (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`) or the URL
   * `pnpm local` prints. A trailing slash is ignored.
   */
  readonly baseUrl: string;
  /** Sent in the `x-api-key` header of every request. Leave it out to send none. */
  readonly apiKey?: string;
  /**
   * Retries of answers that ask for one: 429 (API Gateway throttled the request before it reached the API) and
   * 503 (the API could not reach its database; it changed nothing). `false` turns retries off.
   * @default { retries: 2, statuses: [429, 503] }
   */
  readonly retry?: RetryOptions | false;
  /** The fetch to send requests with. @default globalThis.fetch */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request, e.g. a `user-agent`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A client for one API and key. Calls are typed from the OpenAPI document: paths, parameters (including the
 * `If-Match` and `Idempotency-Key` headers), bodies, and each status's response.
 *
 * @example
 * const api = createUsersApiClient({ baseUrl: "http://127.0.0.1:3000", apiKey: process.env.USERS_API_KEY });
 * const { data: user, error } = await api.GET("/users/{userId}", { params: { path: { userId } } });
 */
export function createUsersApiClient(options: UsersApiClientOptions): UsersApiClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: { ...options.headers, ...(options.apiKey === undefined ? {} : { [apiKeyHeader]: options.apiKey }) },
    fetch: options.retry === false ? send : retryingFetch(send, options.retry),
  });
}
