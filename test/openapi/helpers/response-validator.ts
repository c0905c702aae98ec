import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import type { OpenApiDocument, OperationMethod, oas31 } from "@users-api/core/api/openapi";

/** One response as a client saw it, and the request that caused it. */
export interface RecordedExchange {
  readonly method: string;
  /** The path requested, without the query string. */
  readonly path: string;
  readonly status: number;
  /** Header names in lower case, as `fetch` gives them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext typing.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

const DOCUMENT_ID = "https://users-api.invalid/openapi.json";
/** OpenAPI's own top-level fields, so ajv can hold the whole document and resolve its `$ref`s in place. */
const OPENAPI_KEYWORDS = ["openapi", "info", "servers", "tags", "security", "paths", "components", "webhooks", "jsonSchemaDialect", "externalDocs"];

/** A JSON pointer as a URI fragment (RFC 6901): `/users/{userId}` becomes `~1users~1%7BuserId%7D`. */
const pointer = (...segments: string[]) => segments.map((segment) => `/${encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1"))}`).join("");
const isReference = (value: object): value is oas31.ReferenceObject => "$ref" in value;

/**
 * Validators for the schemas of a document, found by JSON pointer (`/components/schemas/User`),
 * with JSON Schema 2020-12 and formats; `$ref`s resolve within the document.
 */
export function documentSchemas(document: OpenApiDocument) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  ajv.addSchema(document as unknown as object, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  return {
    validatorAt(location: string): ValidateFunction {
      let validate = compiled.get(location);
      if (!validate) {
        validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${location}` });
        compiled.set(location, validate);
      }
      return validate;
    },
    errorsText: (validate: ValidateFunction) => ajv.errorsText(validate.errors, { separator: "; " }),
  };
}

/**
 * Checks recorded responses against the document: the method and path name
 * an operation, the status is one it documents, and the content type, every
 * documented header and the body are as documented (bodies by JSON Schema
 * 2020-12 with formats). Returns what is wrong, one line each.
 */
export function responseValidator(document: OpenApiDocument): (exchange: RecordedExchange) => string[] {
  const { validatorAt, errorsText } = documentSchemas(document);
  const resolve = <T extends object>(value: T | oas31.ReferenceObject): T => {
    if (!isReference(value)) return value;
    const found = value.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment.replaceAll("~1", "/").replaceAll("~0", "~")], document);
    return found as T;
  };
  const documentPaths = document.paths ?? {};
  const paths = Object.keys(documentPaths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const schemaErrors = (validate: ValidateFunction) => errorsText(validate);

  return (exchange) => {
    const where = `${exchange.method} ${exchange.path} → ${exchange.status}`;
    const template = paths.find(({ pattern }) => pattern.test(exchange.path))?.template;
    const method = exchange.method.toLowerCase() as OperationMethod;
    const operation = template === undefined ? undefined : documentPaths[template]?.[method];
    if (template === undefined || !operation) return [`${where}: no operation in the document`];
    const declaredResponse: oas31.ResponseObject | oas31.ReferenceObject | undefined = operation.responses?.[String(exchange.status)];
    if (!declaredResponse) return [`${where}: status not documented for ${operation.operationId}`];
    const response = resolve<oas31.ResponseObject>(declaredResponse);
    const responsePointer = pointer("paths", template, method, "responses", String(exchange.status));
    const problems: string[] = [];

    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = resolve<oas31.HeaderObject>(declared);
      const value = exchange.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) problems.push(`${where}: required header ${name} is missing`);
        continue;
      }
      const location = isReference(declared) ? `${declared.$ref.slice(1)}/schema` : `${responsePointer}${pointer("headers", name, "schema")}`;
      const validate = validatorAt(location);
      if (!validate(value)) problems.push(`${where}: header ${name}: ${value} ${schemaErrors(validate)}`);
    }

    const contentTypes = Object.keys(response.content ?? {});
    if (contentTypes.length === 0) {
      if (exchange.body !== "") problems.push(`${where}: documented without a body, but has one`);
      return problems;
    }
    const mediaType = (exchange.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!contentTypes.includes(mediaType)) {
      problems.push(`${where}: content type "${mediaType}" is not one of ${contentTypes.join(", ")}`);
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      problems.push(`${where}: body is not JSON: ${exchange.body.slice(0, 200)}`);
      return problems;
    }
    const validate = validatorAt(`${responsePointer}${pointer("content", mediaType, "schema")}`);
    if (!validate(body)) problems.push(`${where}: body ${schemaErrors(validate)}`);
    return problems;
  };
}
