import type { Scope } from "../apikey/apikey.js";
import { usersTable, type UsersTableIndexName } from "../user/table.js";

/**
 * The one definition of the API: each route's method, path, handler, scope,
 * data access and bindings. The stacks, the local runner, the docs and the
 * tests all read it; nothing else lists routes or permissions.
 */

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

/**
 * What a function is bound to, by SST construct: the stacks bind the real
 * construct, the local runner sets the `SST_<construct>_<prop>_<id>` variables.
 */
export const bindings = {
  usersTable: { construct: "Table", id: usersTable.id, prop: "tableName" },
  cursorSecret: { construct: "Secret", id: "CURSOR_SECRET", prop: "value" },
  apiKeysSecretArn: { construct: "Parameter", id: "API_KEYS_SECRET_ARN", prop: "value" },
} as const;
export type BindingName = keyof typeof bindings;

/**
 * Where SST keeps a binding's value in SSM for a stage (`sst deploy` writes
 * Config.Parameter values there, `sst secrets set` Config.Secret values).
 */
export const sstParameterPath = (app: string, stage: string, binding: { readonly construct: string; readonly id: string; readonly prop: string }) =>
  `/sst/${app}/${stage}/${binding.construct}/${binding.id}/${binding.prop}`;

/** The variable SST sets on a bound function: `SST_<construct>_<prop>_<id>` (`-` in ids becomes `_`). */
export const sstBindingVariable = (binding: { readonly construct: string; readonly id: string; readonly prop: string }) =>
  `SST_${binding.construct}_${binding.prop}_${binding.id.replace(/-/g, "_")}`;

/** What SST puts in a `Config.Secret` variable: the function fetches the value from SSM at run time. */
export const SST_FETCH_FROM_SSM = "__FETCH_FROM_SSM__";

export interface FunctionDefinition {
  /** Construct id of the function; also its name in logs and metrics. */
  readonly id: string;
  /** SST handler path: file without extension, then the export. */
  readonly handler: string;
  readonly bind: readonly BindingName[];
  readonly tableAccess: TableAccess;
  /** Secrets Manager actions on the API-keys secret. */
  readonly apiKeysSecretAccess: readonly ("secretsmanager:GetSecretValue")[];
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
 * Creating writes the user and its email guard (PutItem in a transaction); Powertools idempotency
 * records live in the same table: PutItem (in progress, returning the old record on conflict, so
 * no GetItem), UpdateItem (completed) and DeleteItem (the create failed).
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

/** Settings every function shares, on AWS and locally. */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm_64",
  memorySize: 512,
  /** Well under API Gateway's 29 s integration timeout. */
  timeoutSeconds: 10,
  serviceName: "users-api",
  metricsNamespace: "UsersApi",
} as const;

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/**
 * Environment of every function: the stacks set it on AWS and the local
 * runner sets the same, so Powertools, source maps and CORS behave alike in both.
 */
export function functionEnvironment(options: { readonly logLevel: LogLevel; readonly corsAllowOrigin: string }): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: functionDefaults.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: functionDefaults.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    // Stack traces point at the TypeScript sources (costs ~100 ms of cold start; see bench/README.md).
    NODE_OPTIONS: "--enable-source-maps",
    // The one browser origin allowed by the stage; handlers echo it so browsers accept their answers.
    CORS_ALLOW_ORIGIN: options.corsAllowOrigin,
  };
}

/**
 * Custom metrics the handlers emit through Powertools Metrics, in the
 * `functionDefaults.metricsNamespace` namespace. Every one carries the
 * {@link businessMetricDimensions}. The dashboard charts each of them. A
 * metric costs only in the hours it is emitted, so the failure counts cost
 * nothing while all is well; cold starts are read from Lambda's REPORT log
 * lines rather than kept as a metric per function.
 */
export const businessMetrics = [
  "UsersCreated",
  "UsersUpdated",
  "UsersDeleted",
  "DependencyUnavailable",
  "UnexpectedError",
  "DynamoDbThrottled",
] as const;
export type BusinessMetric = (typeof businessMetrics)[number];

/** Dimensions of every business metric: Powertools' `service`, and the stage (the handlers read `SST_STAGE`). */
export const businessMetricDimensions = (stage: string) => ({ service: functionDefaults.serviceName, stage });

/**
 * Media types of the request bodies the API reads (parameters such as
 * `charset` aside). API Gateway passes bodies of these types to the functions
 * base64-encoded (its binary media types), so a handler sees the bytes sent
 * and can refuse invalid UTF-8 instead of reading text the gateway decoded.
 */
export const requestBodyMediaTypes = ["application/json", "application/merge-patch+json"] as const;
export type RequestBodyMediaType = (typeof requestBodyMediaTypes)[number];

/** What each body may be sent as: JSON, and for PATCH also a JSON merge patch (RFC 7396). */
export const bodyMediaTypes = {
  user: ["application/json"],
  mergePatch: ["application/merge-patch+json", "application/json"],
} as const satisfies Record<string, readonly RequestBodyMediaType[]>;

/** The media type of a Content-Type header value, lower-cased, without parameters. */
export const mediaTypeOf = (contentType: string) => contentType.split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * Documents served without a key beside the API: the OpenAPI document (by
 * `pnpm local`) and the API reference page rendered from it.
 */
export const documentationPaths = { openApiDocument: "/openapi.json", apiReference: "/docs" } as const;

/** Largest request body the API accepts, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What an `Idempotency-Key` header on POST may hold: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
