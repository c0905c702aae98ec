import { routes } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage } from "../helpers/local-stage.js";
import { expectProblem, importHandlers, newUser, userOf, usersApi, type UsersApi } from "../helpers/users-api.js";

let api: UsersApi;

beforeAll(async () => {
  await bindFunctionsToNewStage("if-match", { functionId: routes.replaceUser.id });
  api = usersApi(await importHandlers());
});

describe("a malformed If-Match", () => {
  it.each([
    ["PUT", "replaceUser", { body: newUser() }],
    ["PATCH", "patchUser", { body: { name: "Changed" } }],
    ["DELETE", "deleteUser", {}],
  ] as const)("on %s is a 400 naming the header, not a 412, and changes nothing", async (_, operation, options) => {
    const created = userOf(await api.createUser({ body: newUser() }));

    const response = await api[operation]({ ...options, userId: created.userId, headers: { "If-Match": "1" } });

    expect(expectProblem(response, 400).errors).toEqual([{ path: "headers.if-match", message: 'must be * or a list of entity tags such as "3"' }]);
    expect((await api.getUser({ userId: created.userId })).body).toEqual(created);
  });
});
