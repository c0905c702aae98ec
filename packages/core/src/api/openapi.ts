import { z } from "zod";
import { APP_NAME, DEFAULT_REGION } from "../app.js";
import { PROBLEM_CONTENT_TYPE, Problem, problemTypes, type ProblemStatus } from "../problem.js";
import {
  AttributeValue,
  Attributes,
  Email,
  ListUsersQuery,
  Name,
  User,
  UserId,
  UserInput,
  UserPage,
  UserPatch,
  userLimits,
} from "../user/schema.js";
import { gatewayResponses, type GatewayResponseType } from "./gateway-responses.js";
import {
  IDEMPOTENCY_KEY_PATTERN,
  MAX_BODY_BYTES,
  authorizer,
  routes,
  type HttpMethod,
  type RouteDefinition,
  type RouteName,
} from "./routes.js";

/**
 * The OpenAPI 3.1 contract of the API, built from the one definition of each
 * part: routes from `routes.ts`, bodies and parameters from the zod schemas
 * that validate them, problems from `problem.ts` and `gateway-responses.ts`.
 */

export type JsonSchema = z.core.JSONSchema.JSONSchema;

export interface Reference {
  readonly $ref: string;
}

export interface HeaderObject {
  readonly description: string;
  readonly required?: boolean;
  readonly schema: JsonSchema;
}

export interface ParameterObject extends HeaderObject {
  readonly name: string;
  readonly in: "path" | "query" | "header";
}

export interface MediaTypeObject {
  readonly schema: JsonSchema;
}

export interface ResponseObject {
  readonly description: string;
  readonly headers?: Readonly<Record<string, HeaderObject | Reference>>;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
}

export interface OperationObject {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly (ParameterObject | Reference)[];
  readonly requestBody?: {
    readonly description: string;
    readonly required: boolean;
    readonly content: Readonly<Record<string, MediaTypeObject>>;
  };
  readonly responses: Readonly<Record<string, ResponseObject>>;
}

export type OperationMethod = Lowercase<HttpMethod>;

export interface OpenApiDocument {
  readonly openapi: "3.1.0";
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: readonly {
    readonly url: string;
    readonly description: string;
    readonly variables?: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
  }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly paths: Readonly<Record<string, Partial<Record<OperationMethod, OperationObject>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly parameters: Readonly<Record<string, ParameterObject>>;
    readonly headers: Readonly<Record<string, HeaderObject>>;
    readonly securitySchemes: Readonly<Record<string, { type: "apiKey"; in: "header"; name: string; description: string }>>;
  };
}

/** The contract's own version: bumped on any change a client could notice. */
const API_VERSION = "1.0.0";
const SECURITY_SCHEME = "ApiKey";
const TAG = "users";
const JSON_CONTENT_TYPE = "application/json";

const schemaRef = (id: string): Reference => ({ $ref: `#/components/schemas/${id}` });
const parameterRef = (id: ParameterId): Reference => ({ $ref: `#/components/parameters/${id}` });
const headerRef = (id: keyof typeof headers): Reference => ({ $ref: `#/components/headers/${id}` });

/**
 * Limits zod checks with refinements, which JSON Schema cannot carry on its
 * own; each is restated here from `userLimits` only where JSON Schema means
 * exactly the same (lengths count code points in both).
 */
function describeRefinements({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: JsonSchema }) {
  if (zodSchema === Email) {
    jsonSchema.description = "A valid email address; stored trimmed and lower-cased, and unique across users (case-insensitively).";
  } else if (zodSchema === Name) {
    jsonSchema.description = `1 to ${userLimits.nameMaxLength} characters once surrounding whitespace is trimmed.`;
  } else if (zodSchema === Attributes) {
    jsonSchema.description = `A flat object of at most ${userLimits.attributesMaxKeys} keys.`;
    jsonSchema.maxProperties = userLimits.attributesMaxKeys;
    jsonSchema.propertyNames = { type: "string", minLength: 1, maxLength: userLimits.attributeKeyMaxLength };
  } else if (zodSchema === UserPatch) {
    jsonSchema.description =
      "A JSON merge patch of the user's fields: each given field takes the value given, null removes it " +
      "(only phone and attributes may be removed), and attributes merge key by key.";
  } else if (zodSchema === AttributeValue) {
    jsonSchema.description =
      `A string of at most ${userLimits.attributeValueMaxLength} characters, a boolean, or a number that is ` +
      "finite, at most 2^53 in magnitude and, unless zero, not smaller than 1e-130 in magnitude.";
    // maxLength constrains only the string branch of the type list.
    jsonSchema.maxLength = userLimits.attributeValueMaxLength;
  }
}

/**
 * Converts zod schemas to OpenAPI components; a schema used inside another
 * (a User in a UserPage) becomes a `$ref`. Zod's default of throwing on types
 * JSON Schema cannot express is kept, so such a type fails here, not silently.
 */
function componentSchemas(entries: Readonly<Record<string, z.ZodType>>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri: (id) => schemaRef(id).$ref,
    override: describeRefinements,
  });
  // OpenAPI 3.1 schemas already use JSON Schema 2020-12; per-component `$schema`/`$id` only confuse tools.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

const schemaOf = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io, override: describeRefinements });
  return rest;
};

/** Bodies are described as clients send them (before trimming and defaults); responses as the API sends them. */
const requestSchemas = { UserInput, UserPatch };
const responseSchemas = { User, UserPage, Problem };

const headers = {
  ETag: {
    description: "Strong entity tag of the user's version; send it back in If-Match to update only that version.",
    required: true,
    schema: { type: "string", pattern: '^"[0-9]+"$' },
  },
  Location: {
    description: "Path of the new user, /users/{userId}.",
    required: true,
    schema: { type: "string", format: "uri-reference" },
  },
  RetryAfter: {
    description: "Seconds to wait before retrying.",
    required: true,
    schema: { type: "string", pattern: "^[0-9]+$" },
  },
} as const satisfies Record<string, HeaderObject>;

type ParameterId = "UserId" | "IfMatch" | "IdempotencyKey";

/** Built on demand, like everything here: Lambda bundles import this module but never call it. */
const parameterComponents = (): Record<ParameterId, ParameterObject> => ({
  UserId: {
    name: "userId",
    in: "path",
    required: true,
    description: "The user's id. An id that is not a UUID names no user: 404.",
    schema: schemaOf(UserId, "input"),
  },
  IfMatch: {
    name: "If-Match",
    in: "header",
    required: false,
    description:
      'Only act if the user is at one of these versions: `*` or a list of strong entity tags (`"3"`) from ETag. ' +
      "Otherwise 412, and nothing changes.",
    schema: { type: "string" },
  },
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "A key the client chooses to make retries safe: for 24 hours the same key with the same body replays the " +
      "first response; with another body it is a 422; while the first request still runs it is a 409 with Retry-After.",
    schema: { type: "string", pattern: IDEMPOTENCY_KEY_PATTERN.source },
  },
});

/** Query parameters of GET /users: the parsed value of each (a number for `limit`), optional as clients send them. */
function listUsersQueryParameters(): ParameterObject[] {
  const sent = schemaOf(ListUsersQuery, "input");
  const parsed = schemaOf(ListUsersQuery, "output");
  const descriptions: Record<keyof typeof ListUsersQuery.shape, string> = {
    limit: `How many users to return, from 1 to ${userLimits.pageSizeMax}.`,
    cursor: "The nextCursor of the previous page, to read the page after it. Cursors are signed: any other value is a 400.",
  };
  return Object.entries(descriptions).map(([name, description]) => ({
    name,
    in: "query",
    required: (sent.required ?? []).includes(name),
    description,
    schema: (parsed.properties?.[name] ?? {}) as JsonSchema,
  }));
}

/**
 * API Gateway's answers possible on any route. Its request-validation answers
 * (BAD_REQUEST_*) need request validators, which the API does not configure;
 * unknown routes (MISSING_AUTHENTICATION_TOKEN) are no operation's.
 */
const gatewayAnswersOnEveryRoute: readonly GatewayResponseType[] = [
  "UNAUTHORIZED",
  "ACCESS_DENIED",
  "REQUEST_TOO_LARGE",
  "THROTTLED",
  "AUTHORIZER_FAILURE",
  "AUTHORIZER_CONFIGURATION_ERROR",
  "INTEGRATION_FAILURE",
  "DEFAULT_5XX",
  "INTEGRATION_TIMEOUT",
];

/** What a handler says about a status, per route; statuses API Gateway also answers add its reasons. */
const handlerProblems: Record<RouteName, Partial<Record<ProblemStatus, string>>> = {
  listUsers: {
    400: "The query string is not valid (an unknown parameter, a limit out of range, a cursor this API did not issue).",
  },
  createUser: {
    400: "The body is not a valid user, not a JSON object, or the Idempotency-Key header is malformed.",
    409: "Another user has this email, or a request with this Idempotency-Key is still in progress (then with Retry-After).",
    413: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
    422: "This Idempotency-Key was already used with a different body.",
  },
  getUser: {
    404: "No user has this id.",
  },
  replaceUser: {
    400: "The body is not a valid user or not a JSON object.",
    404: "No user has this id.",
    409: "Another user has this email, or the user changed too often while being replaced; retry.",
    412: "If-Match names none of the user's current version.",
    413: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
  },
  patchUser: {
    400: "The patch is not a JSON object of user fields, or the patched user would not be valid.",
    404: "No user has this id.",
    409: "Another user has this email, or the user changed too often while being updated; retry.",
    412: "If-Match names none of the user's current version.",
    413: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
  },
  deleteUser: {
    404: "No user has this id.",
    409: "The user changed too often while being deleted; retry.",
    412: "If-Match names none of the user's current version.",
  },
};

/** Problems every handler can answer, whatever the route. */
const anyHandlerProblems: Partial<Record<ProblemStatus, string>> = {
  403: "This API key lacks the scope this operation needs.",
  500: "An unexpected error; it has been logged.",
  503: "A service the API depends on is unavailable, slow or throttled; retry after Retry-After seconds.",
};

/** Whether a problem carries Retry-After: on every 503, and on the 409 of a create still in progress. */
function retryAfterOf(name: RouteName, status: ProblemStatus): "always" | "sometimes" | undefined {
  if (status === 503) return "always";
  if (status === 409 && name === "createUser") return "sometimes";
  return undefined;
}

function problemResponse(status: ProblemStatus, reasons: readonly string[], retryAfter: "always" | "sometimes" | undefined): ResponseObject {
  const { type, title } = problemTypes[status];
  return {
    description: [...new Set(reasons)].join(" "),
    ...(retryAfter === undefined
      ? {}
      : {
          headers: {
            "Retry-After": retryAfter === "always" ? headerRef("RetryAfter") : { ...headers.RetryAfter, required: false },
          },
        }),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: {
          allOf: [
            schemaRef("Problem") as JsonSchema,
            { type: "object", properties: { type: { const: type }, title: { const: title }, status: { const: status } } },
          ],
        },
      },
    },
  };
}

function problemResponses(name: RouteName): Record<string, ResponseObject> {
  const reasons = new Map<ProblemStatus, string[]>();
  const add = (status: ProblemStatus, reason: string) => reasons.set(status, [...(reasons.get(status) ?? []), reason]);
  for (const [status, reason] of Object.entries({ ...handlerProblems[name], ...anyHandlerProblems })) {
    add(Number(status) as ProblemStatus, reason);
  }
  for (const type of gatewayAnswersOnEveryRoute) add(gatewayResponses[type].status, gatewayResponses[type].detail);
  return Object.fromEntries(
    [...reasons.entries()].sort(([a], [b]) => a - b).map(([status, texts]) => [String(status), problemResponse(status, texts, retryAfterOf(name, status))]),
  );
}

const jsonContent = (schemaId: string) => ({ [JSON_CONTENT_TYPE]: { schema: schemaRef(schemaId) as JsonSchema } });
const userResponse = (description: string): ResponseObject => ({
  description,
  headers: { ETag: headerRef("ETag") },
  content: jsonContent("User"),
});

/** Each operation's own words, parameters, body and success response. */
type OperationText = Omit<OperationObject, "operationId" | "tags" | "security" | "responses"> & {
  readonly success: Record<string, ResponseObject>;
};

const operations = (): Record<RouteName, OperationText> => ({
  listUsers: {
    summary: "List users, newest first",
    description:
      "Pages through users from the newest to the oldest. Follow nextCursor until it is null; users created meanwhile " +
      "appear on no page already read.",
    parameters: listUsersQueryParameters(),
    success: { 200: { description: "A page of users.", content: jsonContent("UserPage") } },
  },
  createUser: {
    summary: "Create a user",
    description: "Creates a user with a new id and version 1. Send an Idempotency-Key to retry safely.",
    parameters: [parameterRef("IdempotencyKey")],
    requestBody: { description: "The new user.", required: true, content: jsonContent("UserInput") },
    success: {
      201: {
        description: "The user was created (or, for a repeated Idempotency-Key, the first response is replayed).",
        headers: { Location: headerRef("Location"), ETag: headerRef("ETag") },
        content: jsonContent("User"),
      },
    },
  },
  getUser: {
    summary: "Get a user",
    description: "Reads one user, strongly consistent.",
    parameters: [parameterRef("UserId")],
    success: { 200: userResponse("The user.") },
  },
  replaceUser: {
    summary: "Replace a user",
    description: "Replaces the user's email, name, phone and attributes; omitted optional fields are removed.",
    parameters: [parameterRef("UserId"), parameterRef("IfMatch")],
    requestBody: { description: "The user's new fields.", required: true, content: jsonContent("UserInput") },
    success: { 200: userResponse("The replaced user, at its next version.") },
  },
  patchUser: {
    summary: "Update a user with a JSON merge patch",
    description:
      "Applies a JSON merge patch (RFC 7396) to the user's fields: a field set to null is removed. The patched user " +
      "must be valid as in PUT.",
    parameters: [parameterRef("UserId"), parameterRef("IfMatch")],
    requestBody: {
      description: "The fields to change.",
      required: true,
      content: { "application/merge-patch+json": { schema: schemaRef("UserPatch") as JsonSchema }, ...jsonContent("UserPatch") },
    },
    success: { 200: userResponse("The updated user, at its next version.") },
  },
  deleteUser: {
    summary: "Delete a user",
    description: "Deletes the user; its email becomes free for another user.",
    parameters: [parameterRef("UserId"), parameterRef("IfMatch")],
    success: { 204: { description: "The user was deleted." } },
  },
});

function operationOf(name: RouteName, route: RouteDefinition, text: OperationText): OperationObject {
  const { success, ...operation } = text;
  return {
    operationId: route.operation,
    tags: [TAG],
    ...operation,
    description: `${operation.description}\n\nNeeds an API key with the \`${route.scope}\` scope.`,
    security: [{ [SECURITY_SCHEME]: [route.scope] }],
    responses: { ...success, ...problemResponses(name) },
  };
}

function pathsOf(): OpenApiDocument["paths"] {
  const paths: Record<string, Partial<Record<OperationMethod, OperationObject>>> = {};
  const texts = operations();
  for (const [name, route] of Object.entries(routes) as [RouteName, RouteDefinition][]) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(name, route, texts[name]) };
  }
  return paths;
}

/**
 * The API's OpenAPI 3.1 document. Without `serverUrl`, the server is the
 * deployed API's URL with its id, region and stage as variables.
 *
 * @example
 * writeFileSync("openapi.json", JSON.stringify(openApiDocument({ serverUrl: "http://localhost:3000" }), null, 2));
 */
export function openApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: APP_NAME,
      version: API_VERSION,
      description:
        "Users: create, read, list, replace, patch and delete.\n\n" +
        `Every request needs an API key in the \`${authorizer.identityHeader}\` header. Every error is an RFC 9457 ` +
        `problem document (\`${PROBLEM_CONTENT_TYPE}\`); a method and path that match no operation get ` +
        `${gatewayResponses.MISSING_AUTHENTICATION_TOKEN.status}. A client's mistake is never a 5xx.`,
    },
    servers: options.serverUrl
      ? [{ url: options.serverUrl, description: "This API." }]
      : [
          {
            url: "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
            description: "The API deployed to a stage.",
            variables: {
              apiId: { default: "api-id", description: "Id of the stage's REST API (the ApiEndpoint output)." },
              region: { default: DEFAULT_REGION, description: "AWS region of the stage." },
              stage: { default: "prod", description: "The stage name." },
            },
          },
        ],
    tags: [{ name: TAG, description: "The users." }],
    security: [{ [SECURITY_SCHEME]: [] }],
    paths: pathsOf(),
    components: {
      schemas: { ...componentSchemas(requestSchemas, "input"), ...componentSchemas(responseSchemas, "output") },
      parameters: parameterComponents(),
      headers,
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "apiKey",
          in: "header",
          name: authorizer.identityHeader,
          description: "An API key. Its scopes (users:read, users:write) decide which operations it may call.",
        },
      },
    },
  };
}
