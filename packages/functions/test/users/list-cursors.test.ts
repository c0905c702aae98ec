import { createHmac, randomUUID } from "node:crypto";
import { decodeCursor, routes } from "@users-api/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage, type BoundStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, pageOf, usersApi, type UsersApi } from "../helpers/users-api.js";

let stage: BoundStage;
let api: UsersApi;
let issued: Record<string, string>;

beforeAll(async () => {
  stage = await bindFunctionsToNewStage("list-cursors", { functionId: routes.listUsers.id });
  api = usersApi(await importHandlers());
  for (const name of ["Ann", "Bob", "Cy"]) await api.createUser({ body: newUser({ name }) });
  issued = decodeCursor(pageOf(await api.listUsers({ query: { limit: "1" } })).nextCursor!, stage.cursorSecret);
});

/** A cursor holding any JSON content, correctly signed with the stage's secret: only its content can be wrong. */
const signed = (content: unknown) => {
  const payload = Buffer.from(JSON.stringify(content)).toString("base64url");
  return `${payload}.${createHmac("sha256", stage.cursorSecret).update(payload).digest("base64url")}`;
};

const notIssued = [{ path: "query.cursor", message: "is invalid or has been tampered with" }];

describe("GET /users with a correctly signed cursor the API did not issue", () => {
  it("answers 200 to the cursor it issued", async () => {
    expect(pageOf(await api.listUsers({ query: { limit: "1", cursor: signed(issued) } })).items).toHaveLength(1);
  });

  it.each([
    ["an empty list partition key", () => ({ ...issued, listPk: "" })],
    ["a list partition key of another layout", () => ({ ...issued, listPk: "USERS#3" })],
    ["a sort key that is not a time", () => ({ ...issued, listSk: `yesterday#${issued.pk!.slice(5)}` })],
    ["a sort key of another user than the table key", () => ({ ...issued, listSk: `${issued.listSk!.split("#")[0]}#${randomUUID()}` })],
    ["a table key that is not a user's", () => ({ ...issued, pk: "EMAIL#ann@example.com", sk: "GUARD" })],
    ["a time that is not in the API's form", () => ({ ...issued, listSk: issued.listSk!.replace(/\.\d{3}Z/, "Z") })],
    ["numbers instead of strings", () => ({ ...issued, listPk: 1 })],
    ["a missing key", () => ({ pk: issued.pk, sk: issued.sk, listPk: issued.listPk })],
    ["an extra key", () => ({ ...issued, extra: "x" })],
    ["an array", () => [issued]],
    ["null", () => null],
  ])("answers 400, never 500, to %s", async (_, content) => {
    const response = await api.listUsers({ query: { cursor: signed(content()) } });
    expect(expectProblem(response, 400)).toMatchObject({ detail: "The cursor is not one this API issued.", errors: notIssued });
  });

  it("answers 400 (never 500) to any signed content that is not of the form the API issues", async () => {
    const fromIssued = (key: string) =>
      fc.oneof(
        fc.constant(issued[key]!),
        fc.string(),
        fc.constantFrom("", "USERS", "USERS#0", "USERS#-1", "USERS#01", "PROFILE", "USER#", `USER#${randomUUID()}`, "~", "0"),
        fc.string().map((suffix) => `${issued[key]}${suffix}`),
      );
    const content = fc
      .record({ pk: fromIssued("pk"), sk: fromIssued("sk"), listPk: fromIssued("listPk"), listSk: fromIssued("listSk") })
      .filter((key) => JSON.stringify(key) !== JSON.stringify(issued));
    await fc.assert(
      fc.asyncProperty(content, async (key) => {
        const response = await api.listUsers({ query: { cursor: signed(key) } });
        expect(response.status, JSON.stringify(key)).toBe(400);
        expect(response.body).toMatchObject({ errors: notIssued });
      }),
      { numRuns: 150 },
    );
  });

  it("answers 200 to any cursor of the form the API issues, whether or not its user still exists", async () => {
    const key = fc
      .record({
        userId: fc.uuid({ version: [4, 8] }),
        createdAt: fc.date({ min: new Date("1970-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }),
      })
      .map(({ userId, createdAt }) => ({
        pk: `USER#${userId}`,
        sk: "PROFILE",
        listPk: "USERS",
        listSk: `${createdAt.toISOString()}#${userId}`,
      }));
    await fc.assert(
      fc.asyncProperty(key, async (cursorKey) => {
        expect((await api.listUsers({ query: { cursor: signed(cursorKey) } })).status, JSON.stringify(cursorKey)).toBe(200);
      }),
      { numRuns: 50 },
    );
  });
});
