import { describe, expect, it } from "vitest";
import { httpResponseOf } from "../../src/gateway/proxy-result.js";

describe("httpResponseOf", () => {
  it("merges headers and multi-value headers, a multi-value entry replacing the single one", () => {
    const response = httpResponseOf({
      statusCode: 200,
      headers: { "Content-Type": "text/plain", "X-Both": "single", "X-Count": 3, "X-Flag": true },
      multiValueHeaders: { "x-both": ["one", "two"], "Set-Cookie": ["a=1", "b=2"] },
      body: "hello",
    });

    expect(response).toEqual({
      statusCode: 200,
      headers: { "Content-Type": ["text/plain"], "x-both": ["one", "two"], "X-Count": ["3"], "X-Flag": ["true"], "Set-Cookie": ["a=1", "b=2"] },
      body: Buffer.from("hello"),
    });
  });

  it("defaults the content type to application/json and an absent body to empty", () => {
    expect(httpResponseOf({ statusCode: 204 })).toEqual({ statusCode: 204, headers: { "Content-Type": ["application/json"] }, body: Buffer.alloc(0) });
  });

  it("decodes a base64-encoded body", () => {
    expect(httpResponseOf({ statusCode: 200, body: Buffer.from([0, 1, 2]).toString("base64"), isBase64Encoded: true })?.body).toEqual(Buffer.from([0, 1, 2]));
  });

  it("renames headers API Gateway remaps and drops hop-by-hop ones", () => {
    const response = httpResponseOf({
      statusCode: 401,
      headers: { "WWW-Authenticate": "Basic", "Content-Length": "99", Connection: "close", "Transfer-Encoding": "chunked" },
    });

    expect(response?.headers).toEqual({
      "x-amzn-Remapped-WWW-Authenticate": ["Basic"],
      "x-amzn-Remapped-Content-Length": ["99"],
      "x-amzn-Remapped-Connection": ["close"],
      "Content-Type": ["application/json"],
    });
  });

  it.each([
    ["no status code", { body: "x" }],
    ["a status code that is a string", { statusCode: "200" }],
    ["a status code out of range", { statusCode: 700 }],
    ["a body that is an object", { statusCode: 200, body: { a: 1 } }],
    ["headers that are not a map of scalars", { statusCode: 200, headers: { a: { b: 1 } } }],
    ["a header value with a line break", { statusCode: 200, headers: { a: "x\r\ny: z" } }],
    ["a header name with a space", { statusCode: 200, headers: { "a b": "x" } }],
    ["null", null],
    ["a string", "OK"],
  ])("rejects a result with %s", (_, payload) => {
    expect(httpResponseOf(payload)).toBeUndefined();
  });
});
