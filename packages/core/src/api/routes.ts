import type { Scope } from "../apikey/apikey.js";
import type { UsersTableIndexName } from "../user/table.js";
import type { BindingName } from "./bindings.js";

/**
 * The one definition of the API: each route's method, path, handler, scope,
 * data access and bindings. The stacks, the local runner, the docs and the
 * tests all read it; nothing else lists routes or permissions.
 *
 * What the routes speak of lives beside them, one concept a file, and is exported from here too, so
 * every user keeps this one import: the bindings, their SSM paths, the function defaults and
 * environment, the business metrics, the request media types and the limits.
 */
export * from "./bindings.js";
export * from "./ssm-paths.js";
export * from "./function-defaults.js";
export * from "./environment.js";
export * from "./metrics.js";
export * from "./media-types.js";
export * from "./limits.js";

export type DynamoDbAction =
  | "dynamodb:GetItem"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:ConditionCheckItem"
  | "dynamodb:Query";

/** DynamoDB actions a function may call, on the users table and on each of its indexes. */
export interface TableAccess {
  readonly table?: readonly DynamoDbAction[];
  readonly indexes?: Readonly<Partial<Record<UsersTableIndexName, readonly DynamoDbAction[]>>>;
}

export interface FunctionDefinition {
  /** Construct id of the function; also its name in logs and metrics. */
  readonly id: string;
  /** SST handler path: file without extension, then the export. */
  readonly handler: string;
  readonly bind: readonly BindingName[];
  readonly tableAccess: TableAccess;
  /** Secrets Manager actions on the API-keys secret. */
  readonly apiKeysSecretAccess: readonly "secretsmanager:GetSecretValue"[];
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteDefinition extends FunctionDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  readonly scope: Scope;
  /** The operation, as named in metrics and the API reference. */
  readonly operation: string;
}

/**
 * Creating writes the user and its email guard (PutItem in a transaction; a user the request's
 * Idempotency-Key made already comes back with the cancellation, so no GetItem); Powertools
 * idempotency records live in the same table: PutItem (in progress, returning the old record on
 * conflict, so no GetItem), UpdateItem (completed) and DeleteItem (the create failed).
 */
const createAccess = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] as const;

const functionsDir = "packages/functions/src";

export const routes = {
  listUsers: {
    id: "ListUsers",
    operation: "listUsers",
    method: "GET",
    path: "/users",
    handler: `${functionsDir}/users/list.handler`,
    scope: "users:read",
    bind: ["usersTable", "cursorSecret"],
    tableAccess: { indexes: { byCreatedAt: ["dynamodb:Query"] } },
    apiKeysSecretAccess: [],
  },
  createUser: {
    id: "CreateUser",
    operation: "createUser",
    method: "POST",
    path: "/users",
    handler: `${functionsDir}/users/create.handler`,
    scope: "users:write",
    bind: ["usersTable"],
    tableAccess: { table: createAccess },
    apiKeysSecretAccess: [],
  },
  getUser: {
    id: "GetUser",
    operation: "getUser",
    method: "GET",
    path: "/users/{userId}",
    handler: `${functionsDir}/users/get.handler`,
    scope: "users:read",
    bind: ["usersTable"],
    tableAccess: { table: ["dynamodb:GetItem"] },
    apiKeysSecretAccess: [],
  },
  replaceUser: {
    id: "ReplaceUser",
    operation: "replaceUser",
    method: "PUT",
    path: "/users/{userId}",
    handler: `${functionsDir}/users/replace.handler`,
    scope: "users:write",
    bind: ["usersTable"],
    tableAccess: { table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"] },
    apiKeysSecretAccess: [],
  },
  patchUser: {
    id: "PatchUser",
    operation: "patchUser",
    method: "PATCH",
    path: "/users/{userId}",
    handler: `${functionsDir}/users/patch.handler`,
    scope: "users:write",
    bind: ["usersTable"],
    tableAccess: { table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"] },
    apiKeysSecretAccess: [],
  },
  deleteUser: {
    id: "DeleteUser",
    operation: "deleteUser",
    method: "DELETE",
    path: "/users/{userId}",
    handler: `${functionsDir}/users/delete.handler`,
    scope: "users:write",
    bind: ["usersTable"],
    tableAccess: { table: ["dynamodb:GetItem", "dynamodb:DeleteItem"] },
    apiKeysSecretAccess: [],
  },
} as const satisfies Record<string, RouteDefinition>;

export type RouteName = keyof typeof routes;
export const routeList: readonly RouteDefinition[] = Object.values(routes);

/**
 * Each resource path of the API with the methods its routes give it, in route order: what a 405's
 * `Allow` lists. Resources without a route of their own (the root) are not listed.
 */
export function resourceMethods(definitions: readonly RouteDefinition[] = routeList): ReadonlyMap<string, readonly HttpMethod[]> {
  const byPath = new Map<string, HttpMethod[]>();
  for (const { path, method } of definitions) byPath.set(path, [...(byPath.get(path) ?? []), method]);
  return byPath;
}

/** The Lambda REQUEST authorizer: reads key records from its one secret. */
export const authorizer = {
  id: "Authorizer",
  handler: `${functionsDir}/authorizer.handler`,
  bind: ["apiKeysSecretArn"],
  tableAccess: {},
  apiKeysSecretAccess: ["secretsmanager:GetSecretValue"],
  /** Header carrying the key; also the authorizer's cache key. */
  identityHeader: "x-api-key",
  /** How long API Gateway caches a key's policy. */
  resultsCacheTtlSeconds: 300,
} as const satisfies FunctionDefinition & Record<string, unknown>;

/**
 * The REST API's CORS policy apart from the origin (a stage setting): the
 * preflight the API Gateway answers, and the headers handlers expose.
 */
export const corsPolicy = {
  allowMethods: [...new Set(routeList.map((route) => route.method))],
  allowHeaders: ["content-type", authorizer.identityHeader, "if-match", "idempotency-key"],
  /** Response headers a browser script may read. */
  exposeHeaders: ["etag", "location", "retry-after"],
  maxAgeSeconds: 3600,
} as const;

/**
 * Documents served without a key beside the API: the OpenAPI document (by
 * `pnpm local`) and the API reference page rendered from it.
 */
export const documentationPaths = { openApiDocument: "/openapi.json", apiReference: "/docs" } as const;
