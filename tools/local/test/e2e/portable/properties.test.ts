import { randomUUID } from "node:crypto";
import { createUser } from "@users-api/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../../helpers/local-api.js";
import { e2eTarget, type E2eTarget } from "../target.js";

/** Printable ASCII: what a header value may hold. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 });
const anyText = (maxLength: number) => fc.string({ unit: "grapheme", maxLength });
const pathSegment = anyText(24).map(encodeURIComponent);

const headers = fc.record(
  {
    "if-match": fc.oneof(fc.constantFrom('"1"', '"2"', "*", 'W/"1"', '"1", "2"'), headerText),
    "idempotency-key": fc.oneof(fc.uuid(), headerText),
    "content-type": fc.oneof(
      fc.constantFrom("application/json", "application/merge-patch+json", "application/json; charset=utf-8", "text/plain", "application/xml"),
      headerText,
    ),
    "x-custom": headerText,
  },
  { requiredKeys: [] },
);

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom("limit", "cursor"), anyText(8)), fc.oneof(fc.nat({ max: 200 }).map(String), anyText(30))), {
    maxLength: 3,
  })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&")}`));

/** Mostly close to a valid user, so requests get past validation and reach the database. */
const userLike = fc.record(
  {
    email: fc.oneof({ arbitrary: fc.emailAddress(), weight: 4 }, headerText),
    name: fc.oneof({ arbitrary: anyText(40), weight: 4 }, fc.constant(null)),
    phone: fc.oneof(fc.stringMatching(/^\+[0-9]{8,15}$/), headerText, fc.constant(null)),
    attributes: fc.oneof(
      { arbitrary: fc.dictionary(anyText(12), fc.oneof(anyText(20), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 5 }), weight: 3 },
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);
const withUnknownField = userLike.map((value) => ({ ...value, role: "admin" }));
const validUser = fc.record({
  email: fc.uuid().map((id) => `${id}@example.com`),
  name: anyText(30).filter((name) => name.trim() !== ""),
});

const body = fc.oneof(
  fc.constant(undefined),
  { arbitrary: validUser.map((value) => JSON.stringify(value)), weight: 3 },
  { arbitrary: userLike.map((value) => JSON.stringify(value)), weight: 3 },
  withUnknownField.map((value) => JSON.stringify(value)),
  fc.json(),
  anyText(200),
);

/** Arbitrary requests, most of which the contract forbids: sent raw, with the full-access key. */
describe("any request with a valid key", () => {
  let target: E2eTarget;
  let existing: string[];
  beforeAll(async () => {
    target = await e2eTarget("properties");
    existing = [];
    for (const name of ["First", "Second"]) {
      existing.push((await createUser(target.client(), { email: `${name.toLowerCase()}-${randomUUID()}@example.com`, name })).user.userId);
    }
  });
  afterAll(() => target?.stop());

  it("never gets a 5xx, and every 4xx is a problem document whose status is the HTTP status", async () => {
    const seen = new Set<number>();
    const path = fc.oneof(
      { arbitrary: fc.constant("/users"), weight: 4 },
      { arbitrary: fc.constantFrom(...existing).map((id) => `/users/${id}`), weight: 4 },
      fc.uuid().map((id) => `/users/${id}`),
      pathSegment.map((segment) => `/users/${segment}`),
      fc.array(pathSegment, { maxLength: 3 }).map((segments) => `/${segments.join("/")}`),
    );
    const request = fc.record({
      method: fc.oneof(
        { arbitrary: fc.constantFrom("GET", "POST", "PATCH"), weight: 6 },
        { arbitrary: fc.constant("PUT"), weight: 2 },
        fc.constantFrom("DELETE", "HEAD", "OPTIONS"),
      ),
      path,
      query,
      headers,
      body,
    });

    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, headers, body }) => {
        const hasBody = ["POST", "PUT", "PATCH", "DELETE"].includes(method) && body !== undefined;
        const response = await target.raw(method, `${path}${query}`, { headers, body: hasBody ? body : undefined });
        seen.add(response.status);

        expect(response.status, response.text).toBeLessThan(500);
        if (response.status >= 400 && method !== "HEAD") expectProblem(response, response.status);
      }),
      { numRuns: 150, endOnFailure: true },
    );

    // The run reached the functions, not only the gateway's own answers.
    expect([...seen].some((status) => status >= 200 && status < 300)).toBe(true);
    expect(seen).toContain(400);
    expect(seen).toContain(404);
  });
});
