import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "@users-api/core";
import { openApiDocument, type oas31 } from "@users-api/core/api/openapi";
import { startTestApi, type TestApi } from "../helpers/local-api.js";

const document = openApiDocument();
type Method = "get" | "post" | "put" | "patch" | "delete" | "options";
const methods: readonly Method[] = ["get", "post", "put", "patch", "delete", "options"];

/** Every operation of the document, with its path. */
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  methods.flatMap((method) => {
    const operation = (item as Record<string, oas31.OperationObject | undefined>)[method];
    return operation && !path.startsWith("/openapi") && !path.startsWith("/docs") ? [{ path, method, operation }] : [];
  }),
);

/** The operation's parameters, components resolved. */
const parametersOf = (operation: oas31.OperationObject) =>
  (operation.parameters ?? []).map((parameter) =>
    "$ref" in parameter ? (document.components?.parameters?.[parameter.$ref.split("/").at(-1) ?? ""] as oas31.ParameterObject) : parameter,
  );
const lowestSuccess = (operation: oas31.OperationObject) =>
  Math.min(
    ...Object.keys(operation.responses ?? {})
      .map(Number)
      .filter((status) => status < 300),
  );

/** The request *Try it out* sends: the documented examples of the headers, the path with an existing user. */
function requestOf(operation: oas31.OperationObject, path: string, userId: string) {
  const headers: Record<string, string> = {};
  for (const parameter of parametersOf(operation))
    if (parameter.in === "header" && parameter.example !== undefined) headers[parameter.name] = String(parameter.example);
  return { url: path.replace("{userId}", userId), headers };
}

describe("the examples of the OpenAPI document, sent to the local API", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("examples");
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** A user of version 1 for the operations on /users/{userId}. */
  const freshUser = async () => {
    const created = await api.request("POST", "/users", { body: { email: `example-${randomUUID()}@example.com`, name: "Example" } });
    expect(created.status).toBe(201);
    return (created.json as { userId: string }).userId;
  };

  it("has a request body example for every operation that takes a body, and an example for every header and path parameter", () => {
    for (const { path, method, operation } of operations) {
      const body = operation.requestBody as oas31.RequestBodyObject | undefined;
      for (const [mediaType, content] of Object.entries(body?.content ?? {})) {
        expect(Object.keys(content.examples ?? {}), `${method} ${path} ${mediaType}`).not.toEqual([]);
      }
      for (const parameter of parametersOf(operation)) {
        if (parameter.in !== "query") expect(parameter.example, `${method} ${path} ${parameter.name}`).toBeDefined();
      }
    }
  });

  const bodyExamples = operations.flatMap(({ path, method, operation }) =>
    Object.entries((operation.requestBody as oas31.RequestBodyObject | undefined)?.content ?? {}).flatMap(([mediaType, content]) =>
      Object.entries(content.examples ?? {}).map(([name, example]) => ({
        path,
        method,
        operation,
        mediaType,
        name,
        example: example as oas31.ExampleObject & { "x-status": number },
      })),
    ),
  );

  it.each(bodyExamples.map((entry) => [`${entry.method.toUpperCase()} ${entry.path} (${entry.mediaType}) "${entry.name}"`, entry] as const))(
    "%s gets its documented status (a create twice in a row: its Idempotency-Key replays the first answer)",
    async (_, { path, method, operation, mediaType, example }) => {
      const { url, headers } = requestOf(operation, path, path.includes("{userId}") ? await freshUser() : "");
      // A second change with the documented If-Match ("1") is rightly a 412: the user is at version 2 by then.
      for (const attempt of method === "post" ? [1, 2] : [1]) {
        const answer = await api.request(method.toUpperCase(), url, { body: example.value, headers: { ...headers, "content-type": mediaType } });

        expect(answer.status, `attempt ${attempt}: ${answer.text}`).toBe(example["x-status"]);
        expect(Object.keys(operation.responses ?? {})).toContain(String(example["x-status"]));
      }
    },
  );

  it.each(operations.filter(({ operation }) => !operation.requestBody).map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))(
    "%s with its documented parameters gets its success status",
    async (_, { path, method, operation }) => {
      const { url, headers } = requestOf(operation, path, path.includes("{userId}") ? await freshUser() : "");
      const answer = await api.request(method.toUpperCase(), url, { headers, key: method === "options" ? null : undefined });

      expect(answer.status, answer.text).toBe(lowestSuccess(operation));
      for (const name of Object.keys((operation.responses?.[String(lowestSuccess(operation))] as oas31.ResponseObject | undefined)?.headers ?? {})) {
        expect(answer.headers.get(name), `${method} ${path}: header ${name}`).not.toBeNull();
      }
    },
  );

  it("documents a user id that names no user: 404 as documented", async () => {
    const getUser = operations.find(({ method, path }) => method === "get" && path === "/users/{userId}")!;
    const exampleId = String(parametersOf(getUser.operation).find(({ name }) => name === "userId")?.example);

    const answer = await api.request("GET", `/users/${exampleId}`);

    expect(answer.status).toBe(404);
    const documented = (getUser.operation.responses?.["404"] as oas31.ResponseObject | undefined)?.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {};
    const [example] = Object.values(documented) as oas31.ExampleObject[];
    expect(answer.json).toMatchObject({ type: (example!.value as { type: string }).type, status: 404 });
  });

  it("documents the validation problem the API answers: the 400 example of POST /users is what a bad email and a blank name get", async () => {
    const answer = await api.request("POST", "/users", { body: { email: "ada@example", name: "  " } });

    const createUser = operations.find(({ method, path }) => method === "post" && path === "/users")!;
    const [example] = Object.values(
      (createUser.operation.responses?.["400"] as oas31.ResponseObject | undefined)?.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {},
    ) as oas31.ExampleObject[];
    const { detail: _, ...documented } = example!.value as Record<string, unknown>;
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject(documented);
  });

  it("says every 429 carries Retry-After, as API Gateway's throttling answer does", () => {
    for (const { path, method, operation } of operations) {
      const throttled = operation.responses?.["429"] as oas31.ResponseObject | undefined;
      expect(throttled, `${method} ${path}`).toBeDefined();
      expect((throttled?.headers?.["Retry-After"] as oas31.ReferenceObject | undefined)?.$ref, `${method} ${path}`).toBe("#/components/headers/RetryAfter");
    }
  });
});
