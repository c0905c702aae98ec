import type { APIGatewayProxyEvent } from "aws-lambda";
import { MAX_BODY_BYTES, PayloadTooLarge, ValidationFailed, type Scope } from "@users-api/core";
import type { z } from "zod/mini";

/** What a handler needs of an API Gateway proxy event, with headers looked up case-insensitively. */
export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  header(name: string): string | undefined;
  pathParameter(name: string): string | undefined;
  /** Query parameters; a repeated one keeps its last value, as API Gateway does. */
  readonly query: Readonly<Record<string, string>>;
  /** Name of the API key the authorizer accepted. */
  readonly caller: string;
  readonly scopes: readonly Scope[];
}

export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name.toLowerCase(), value);
  }
  const authorizer = event.requestContext?.authorizer ?? {};
  return {
    event,
    header: (name) => headers.get(name.toLowerCase()),
    pathParameter: (name) => event.pathParameters?.[name] ?? undefined,
    query: Object.fromEntries(
      Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    caller: typeof authorizer.keyName === "string" ? authorizer.keyName : "",
    scopes: typeof authorizer.scopes === "string" ? (authorizer.scopes.split(" ") as Scope[]) : [],
  };
}

/** Reads the JSON body: at most 16 KiB, well-formed JSON, a JSON object, then the schema. */
export function parseJsonBody<Schema extends z.ZodMiniType>(request: HttpRequest, schema: Schema): z.output<Schema> {
  const { body, isBase64Encoded } = request.event;
  const raw = body == null ? "" : isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
  const size = Buffer.byteLength(raw, "utf8");
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLarge(`The body is ${size} bytes; the limit is ${MAX_BODY_BYTES} bytes.`);
  }
  const contentType = request.header("content-type");
  if (contentType !== undefined && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim())) {
    throw new ValidationFailed(`The body must be JSON (Content-Type: application/json), not ${contentType}.`, [
      { path: "headers.content-type", message: "must be application/json" },
    ]);
  }
  if (raw.trim() === "") {
    throw new ValidationFailed("The request needs a JSON object as its body.", [{ path: "body", message: "is required" }]);
  }
  let json: unknown;
  try {
    // JSON.parse keeps a "__proto__" key as an own property, as data; the schemas decide whether it is allowed.
    json = JSON.parse(raw);
  } catch (error) {
    throw new ValidationFailed("The body is not valid JSON.", [
      { path: "body", message: error instanceof Error ? error.message : "is not valid JSON" },
    ]);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ValidationFailed("The body must be a JSON object.", [{ path: "body", message: "must be a JSON object" }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw ValidationFailed.fromZod(parsed.error, "The body is not a valid user.", "body");
  return parsed.data;
}

/** Validates the query string against a schema; unknown parameters are rejected. */
export function parseQuery<Schema extends z.ZodMiniType>(request: HttpRequest, schema: Schema): z.output<Schema> {
  const parsed = schema.safeParse(request.query);
  if (!parsed.success) throw ValidationFailed.fromZod(parsed.error, "The query string is not valid.", "query");
  return parsed.data;
}

/** Validates one path parameter; a malformed id can name no resource, so it is a 404. */
export function parsePathParameter<Schema extends z.ZodMiniType>(
  request: HttpRequest,
  name: string,
  schema: Schema,
  notFound: (value: string) => Error,
): z.output<Schema> {
  const value = request.pathParameter(name) ?? "";
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw notFound(value);
  return parsed.data;
}
