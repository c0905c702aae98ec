import { randomUUID } from "node:crypto";
import { MAX_BODY_BYTES, User } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, startTestApi, type TestApi } from "../helpers/local-api.js";

/** Request bodies a client can get wrong, through the local API Gateway and the functions' own runtime. */
describe("request bodies", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi("request-bodies");
  });
  afterAll(() => api?.stop());

  const email = () => `body-${randomUUID()}@example.com`;
  const post = (body: Buffer | string, contentType = "application/json") =>
    fetch(`${api.url}/users`, { method: "POST", headers: { "content-type": contentType, "x-api-key": api.keys.full }, body }).then(async (response) => {
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as unknown };
    });

  describe("bytes that are not UTF-8", () => {
    it("are refused with 400, and nothing is stored", async () => {
      const address = email();
      const body = Buffer.concat([Buffer.from(`{"email":"${address}","name":"Ada `), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

      const response = await post(body);

      expectProblem(response, 400);
      expect(response.json).toMatchObject({ detail: "The body is not valid UTF-8.", errors: [{ path: "body", message: "must be UTF-8 text" }] });
      const listed = await api.request("GET", "/users?limit=100");
      expect(JSON.stringify(listed.json)).not.toContain(address);
    });

    it("are refused with 400 also as application/merge-patch+json", async () => {
      const created = await api.request("POST", "/users", { body: { email: email(), name: "Ada" } });
      const { userId } = User.parse(created.json);
      const response = await fetch(`${api.url}/users/${userId}`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json", "x-api-key": api.keys.full },
        body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ detail: "The body is not valid UTF-8." });
    });

    it("are counted as sent against the 16 KiB limit: 16 KiB of them is a 400, not a 413", async () => {
      const prefix = Buffer.from(`{"email":"${email()}","name":"`);
      const body = Buffer.concat([prefix, Buffer.alloc(MAX_BODY_BYTES - prefix.length - 2, 0xff), Buffer.from('"}')]);
      expect(body.length).toBe(MAX_BODY_BYTES);
      const response = await post(body);
      expectProblem(response, 400);
      expect(response.json).toMatchObject({ detail: "The body is not valid UTF-8." });
    });

    it("in valid UTF-8, multi-byte text is stored exactly", async () => {
      const name = "Zoë 🙂 中文";
      const response = await post(Buffer.from(JSON.stringify({ email: email(), name }), "utf8"));
      expect(response.status, response.text).toBe(201);
      expect(User.parse(response.json).name).toBe(name);
    });
  });

  describe("nesting as deep as 16 KiB allows", () => {
    it.each([
      ["objects", 6, (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`],
      ["arrays", 2, (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`],
    ])("of %s is a 400 in the API's words, with no engine message", async (_, bytesPerLevel, nested) => {
      const nesting = nested(Math.floor((MAX_BODY_BYTES - 100) / bytesPerLevel));
      const body = `{"email":"${email()}","name":"A","attributes":{"deep":${nesting}}}`;
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);

      const response = await post(body);

      expectProblem(response, 400);
      expect(response.json).toMatchObject({
        detail: "The body is not a valid user.",
        errors: [{ path: "body.attributes.deep", message: "must be a string, a number or a boolean" }],
      });
      expect(response.text).not.toMatch(/Maximum call stack|RangeError|SyntaxError/);
    });
  });
});
