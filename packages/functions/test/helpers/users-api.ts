import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { expect } from "vitest";
import { PROBLEM_CONTENT_TYPE, User, UserPage, problemTypes, routes, type Problem, type ProblemStatus, type RouteName } from "@users-api/core";
import type { HttpResponse } from "../../src/http/response.js";
import { lambdaContext, proxyEvent, type RequestOptions } from "./api-gateway-event.js";

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResponse>;
export type Handlers = Record<RouteName, ProxyHandler>;

/**
 * Imports every route's handler. Call it only after the environment is set:
 * the handlers read their bindings when first imported.
 */
export async function importHandlers(): Promise<Handlers> {
  const [list, create, get, replace, patch, remove] = await Promise.all([
    import("../../src/users/list.js"),
    import("../../src/users/create.js"),
    import("../../src/users/get.js"),
    import("../../src/users/replace.js"),
    import("../../src/users/patch.js"),
    import("../../src/users/delete.js"),
  ]);
  return {
    listUsers: list.handler,
    createUser: create.handler,
    getUser: get.handler,
    replaceUser: replace.handler,
    patchUser: patch.handler,
    deleteUser: remove.handler,
  };
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON, or `undefined` when empty. */
  readonly body: unknown;
  /** The handler's result exactly as API Gateway would receive it. */
  readonly result: HttpResponse;
}

export type CallOptions = RequestOptions & { readonly userId?: string };
export type UsersApi = Record<RouteName, (options?: CallOptions) => Promise<ApiResponse>>;

/** Calls each route's handler the way API Gateway does: one proxy event and a fresh Lambda context. */
export function usersApi(handlers: Handlers): UsersApi {
  const call =
    (name: RouteName) =>
    async (options: CallOptions = {}) => {
      const route = routes[name];
      const { userId, ...request } = options;
      const event = proxyEvent(route, userId === undefined ? request : { ...request, pathParameters: { userId } });
      const result = await handlers[name](event, lambdaContext(route.id));
      return {
        status: result.statusCode,
        headers: result.headers,
        body: result.body === "" ? undefined : (JSON.parse(result.body) as unknown),
        result,
      };
    };
  return Object.fromEntries(Object.keys(routes).map((name) => [name, call(name as RouteName)])) as UsersApi;
}

/** The user in a response, checked against the API's user schema. */
export function userOf(response: ApiResponse): User {
  expect(response.headers["content-type"]).toBe("application/json");
  return User.parse(response.body);
}

/** The page in a list response, checked against the API's page schema. */
export function pageOf(response: ApiResponse): UserPage {
  expect(response.status).toBe(200);
  expect(response.headers["content-type"]).toBe("application/json");
  return UserPage.parse(response.body);
}

/** Asserts the response is an RFC 9457 problem document of this status, and returns it. */
export function expectProblem(response: ApiResponse, status: ProblemStatus): Problem {
  expect({ status: response.status, contentType: response.headers["content-type"] }).toEqual({
    status,
    contentType: PROBLEM_CONTENT_TYPE,
  });
  expect(response.body).toEqual({
    ...problemTypes[status],
    status,
    detail: expect.any(String),
    ...(response.body !== null && typeof response.body === "object" && "errors" in response.body
      ? { errors: expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]) }
      : {}),
  });
  return response.body as Problem;
}

/** A valid new user with a unique email. */
export function newUser(overrides: Record<string, unknown> = {}) {
  return { email: `user-${crypto.randomUUID()}@example.com`, name: "Ada Lovelace", ...overrides };
}

/** What every answer carries for browsers on the stage's origin (personal stages allow any). */
export const corsHeaders = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "etag, location, retry-after",
} as const;
