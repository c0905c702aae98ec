import { routes, userLimits } from "@users-api/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type UsersApi } from "../helpers/users-api.js";

let api: UsersApi;

beforeAll(async () => {
  await bindFunctionsToNewStage("attribute-keys", { functionId: routes.createUser.id });
  api = usersApi(await importHandlers());
});

/** Names JavaScript objects already carry, which code that treats an object as a map can trip over. */
const objectPropertyNames = [
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
  "prototype",
  "then",
  "length",
  "name",
  "0",
  "NaN",
];

/** Every key the contract allows: 1 to 64 code points of well-formed Unicode, except `__proto__`. */
const allowedKey = fc
  .oneof(
    fc.constantFrom(...objectPropertyNames),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: userLimits.attributeKeyMaxLength }),
    fc.string({ unit: "binary", minLength: 1, maxLength: userLimits.attributeKeyMaxLength }).filter((key) => key.isWellFormed()),
  )
  .filter((key) => key !== "__proto__" && [...key].length <= userLimits.attributeKeyMaxLength);

const attributeValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((value) => value === 0 || Math.abs(value) >= 1e-130),
  fc.boolean(),
);
const attributes = fc.dictionary(allowedKey, attributeValue, { minKeys: 1, maxKeys: 5 });

/** JSON cannot tell -0 from 0, and neither can the API. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe("attribute keys on the real table", () => {
  it.each(["POST", "PUT", "PATCH"])("%s stores an attribute named constructor and reads it back", async (method) => {
    const stored = { constructor: "x", toString: 1, valueOf: true };
    const created = await api.createUser({ body: newUser(method === "POST" ? { attributes: stored } : {}) });
    expect(created.status).toBe(201);
    const { userId } = userOf(created);
    if (method === "PUT") expect((await api.replaceUser({ userId, body: newUser({ attributes: stored }) })).status).toBe(200);
    if (method === "PATCH") expect((await api.patchUser({ userId, body: { attributes: stored } })).status).toBe(200);
    expect(userOf(await api.getUser({ userId })).attributes).toEqual(stored);
  });

  it("replays a create with an Idempotency-Key whose body has such attributes", async () => {
    const body = newUser({ attributes: { constructor: "x", hasOwnProperty: 2, __defineGetter__: false } });
    const headers = { "Idempotency-Key": crypto.randomUUID() };
    const first = await api.createUser({ body, headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await api.createUser({ body, headers })).body).toEqual(first.body);
  });

  it("stores every allowed key through POST, PUT and PATCH and reads each back unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(attributes, attributes, async (first, second) => {
        const created = await api.createUser({ body: newUser({ attributes: first }) });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const { userId } = userOf(created);
        expect(userOf(await api.getUser({ userId })).attributes).toEqual(asJson(first));

        const replaced = await api.replaceUser({ userId, body: newUser({ attributes: second }) });
        expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
        expect(userOf(await api.getUser({ userId })).attributes).toEqual(asJson(second));

        const patched = await api.patchUser({ userId, body: { attributes: first } });
        expect(patched.status, JSON.stringify(patched.body)).toBe(200);
        expect(userOf(await api.getUser({ userId })).attributes).toEqual(asJson({ ...second, ...first }));
      }),
      { numRuns: 25 },
    );
  });

  describe("refuses the one key JavaScript cannot hold as data, __proto__, with 400 naming it", () => {
    const body = '{"email":"proto@example.com","name":"A","attributes":{"__proto__":"x","kept":1}}';
    const expected = [{ path: "body.attributes.__proto__", message: "keys must not be __proto__" }];

    it("on POST and PUT", async () => {
      expect(expectProblem(await api.createUser({ body }), 400).errors).toEqual(expected);
      const { userId } = userOf(await api.createUser({ body: newUser() }));
      expect(expectProblem(await api.replaceUser({ userId, body }), 400).errors).toEqual(expected);
    });

    it("on PATCH, and changes nothing", async () => {
      const { userId } = userOf(await api.createUser({ body: newUser({ attributes: { kept: 1 } }) }));
      const response = await api.patchUser({ userId, body: '{"attributes":{"__proto__":{"admin":true}}}' });
      expect(expectProblem(response, 400).errors).toEqual(expected);
      expect(userOf(await api.getUser({ userId }))).toMatchObject({ attributes: { kept: 1 }, version: 1 });
    });

    it("as a top-level field, like any field that is not one", async () => {
      const response = await api.createUser({ body: '{"email":"proto@example.com","name":"A","__proto__":{"admin":true}}' });
      expect(expectProblem(response, 400).errors).toEqual([{ path: "body.__proto__", message: "is not an allowed field" }]);
    });
  });
});
