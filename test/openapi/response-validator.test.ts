import { describe, expect, it } from "vitest";
import { etagOf, problem, type User } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import { responseValidator, type RecordedExchange } from "./helpers/response-validator.js";

const validate = responseValidator(openApiDocument());

const user: User = {
  userId: "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
  email: "ada@example.com",
  name: "Ada Lovelace",
  attributes: { plan: "pro", seats: 3, beta: true },
  createdAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
  version: 2,
};
const { version: _version, ...userWithoutVersion } = user;

/** A 200 of GET /users/{userId}, exactly as the API sends it. */
const gotUser: RecordedExchange = {
  method: "GET",
  path: `/users/${user.userId}`,
  status: 200,
  headers: { "content-type": "application/json", etag: etagOf(user.version) },
  body: JSON.stringify(user),
};
const notFound: RecordedExchange = {
  ...gotUser,
  status: 404,
  headers: { "content-type": "application/problem+json" },
  body: JSON.stringify(problem(404, "No user has this id.")),
};

describe("responseValidator", () => {
  it.each([
    { name: "a user", exchange: gotUser },
    { name: "a problem", exchange: notFound },
    { name: "a 204 without a body", exchange: { ...gotUser, method: "DELETE", status: 204, headers: {}, body: "" } },
    { name: "a content type with parameters", exchange: { ...gotUser, headers: { ...gotUser.headers, "content-type": "application/json; charset=utf-8" } } },
  ])("accepts $name as the API sends it", ({ exchange }) => {
    expect(validate(exchange)).toEqual([]);
  });

  it.each([
    { drift: "a user without its version", exchange: { ...gotUser, body: JSON.stringify(userWithoutVersion) }, error: /must have required property 'version'/ },
    {
      drift: "a user with an extra field",
      exchange: { ...gotUser, body: JSON.stringify({ ...user, role: "admin" }) },
      error: /must NOT have additional properties/,
    },
    { drift: "a user id that is not a UUID", exchange: { ...gotUser, body: JSON.stringify({ ...user, userId: "42" }) }, error: /must match format "uuid"/ },
    { drift: "a missing ETag", exchange: { ...gotUser, headers: { "content-type": "application/json" } }, error: /required header ETag is missing/ },
    { drift: "a weak ETag", exchange: { ...gotUser, headers: { ...gotUser.headers, etag: 'W/"2"' } }, error: /header ETag/ },
    { drift: "an undocumented status", exchange: { ...gotUser, status: 418 }, error: /status not documented for getUser/ },
    { drift: "an undocumented route", exchange: { ...gotUser, path: "/accounts" }, error: /no operation in the document/ },
    {
      drift: "a problem sent as JSON",
      exchange: { ...notFound, headers: { "content-type": "application/json" } },
      error: /content type "application\/json" is not one of application\/problem\+json/,
    },
    { drift: "a problem of another status", exchange: { ...notFound, body: JSON.stringify(problem(400, "Bad.")) }, error: /must be equal to constant/ },
    { drift: "a body on a 204", exchange: { ...gotUser, method: "DELETE", status: 204, headers: {} }, error: /documented without a body/ },
    { drift: "a body that is not JSON", exchange: { ...gotUser, body: "<html>" }, error: /body is not JSON/ },
  ])("reports $drift", ({ exchange, error }) => {
    expect(validate(exchange)).toEqual([expect.stringMatching(error)]);
  });
});
