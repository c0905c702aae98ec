import type { APIGatewayProxyEvent } from "aws-lambda";
import { MAX_BODY_BYTES, PayloadTooLarge, ValidationFailed, bodyMediaTypes, mediaTypeOf, type RequestBodyMediaType, type Scope } from "@users-api/core";
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
    query: Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    caller: typeof authorizer.keyName === "string" ? authorizer.keyName : "",
    scopes: typeof authorizer.scopes === "string" ? (authorizer.scopes.split(" ") as Scope[]) : [],
  };
}

/** Fails on any byte sequence that is not UTF-8, rather than replacing it with U+FFFD. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body's text. API Gateway passes JSON bodies base64-encoded (see
 * `requestBodyMediaTypes`): those bytes must be UTF-8. A body passed as text
 * was decoded by the gateway already.
 */
function bodyText(body: string, isBase64Encoded: boolean): string {
  if (!isBase64Encoded) return body;
  try {
    return utf8.decode(Buffer.from(body, "base64"));
  } catch {
    throw new ValidationFailed("The body is not valid UTF-8.", [{ path: "body", message: "must be UTF-8 text" }]);
  }
}

/**
 * Reads the JSON body: at most 16 KiB as sent, one of `mediaTypes`, UTF-8,
 * well-formed JSON, a JSON object, then the schema. Problems are told in the
 * API's words, never an engine's message.
 */
export function parseJsonBody<Schema extends z.ZodMiniType>(
  request: HttpRequest,
  schema: Schema,
  mediaTypes: readonly RequestBodyMediaType[] = bodyMediaTypes.user,
): z.output<Schema> {
  const { body, isBase64Encoded } = request.event;
  const size = body == null ? 0 : isBase64Encoded ? Buffer.from(body, "base64").byteLength : Buffer.byteLength(body, "utf8");
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLarge(`The body is ${size} bytes; the limit is ${MAX_BODY_BYTES} bytes.`);
  }
  if (size === 0) {
    throw new ValidationFailed("The request needs a JSON object as its body.", [{ path: "body", message: "is required" }]);
  }
  const contentType = request.header("content-type");
  if (contentType === undefined || !(mediaTypes as readonly string[]).includes(mediaTypeOf(contentType))) {
    const expected = mediaTypes.join(" or ");
    throw new ValidationFailed(
      contentType === undefined
        ? `The body must be JSON, sent with Content-Type: ${expected}.`
        : `The body must be JSON (Content-Type: ${expected}), not ${contentType}.`,
      [{ path: "headers.content-type", message: `must be ${expected}` }],
    );
  }
  const text = bodyText(body ?? "", isBase64Encoded);
  if (text.trim() === "") {
    throw new ValidationFailed("The request needs a JSON object as its body.", [{ path: "body", message: "is required" }]);
  }
  let json: unknown;
  try {
    // JSON.parse keeps a "__proto__" key as an own property, as data; the schemas decide whether it is allowed.
    json = JSON.parse(text);
  } catch {
    throw new ValidationFailed("The body is not valid JSON.", [{ path: "body", message: "is not valid JSON" }]);
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
