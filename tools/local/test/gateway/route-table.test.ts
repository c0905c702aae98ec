import type { RouteDefinition } from "@users-api/core";
import { routeList, routes } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { RouteTable } from "@users-api/emulators/api-gateway/route-table";

const route = (method: RouteDefinition["method"], path: string): RouteDefinition => ({
  ...routes.getUser,
  id: `${method}${path}`,
  method,
  path,
});

describe("RouteTable", () => {
  const table = new RouteTable(routeList);

  it.each([
    ["GET", "/users", routes.listUsers.id],
    ["POST", "/users", routes.createUser.id],
    ["GET", "/users/123", routes.getUser.id],
    ["PUT", "/users/123", routes.replaceUser.id],
    ["PATCH", "/users/123", routes.patchUser.id],
    ["DELETE", "/users/123", routes.deleteUser.id],
    ["GET", "/users/", routes.listUsers.id],
  ])("routes %s %s to its function", (method, path, id) => {
    const match = table.match(method, path);

    expect(match?.kind === "route" && match.route.id).toBe(id);
  });

  it("decodes path parameters, including an encoded slash", () => {
    expect(table.match("GET", "/users/a%20b%2Fc")).toMatchObject({ kind: "route", pathParameters: { userId: "a b/c" } });
  });

  it("passes a malformed escape on as sent", () => {
    expect(table.match("GET", "/users/%E0%A4%A")).toMatchObject({ pathParameters: { userId: "%E0%A4%A" } });
  });

  it.each([
    ["GET", "/"],
    ["GET", "/nowhere"],
    ["GET", "/users/1/extra"],
    ["GET", "//users"],
    ["GET", "/Users"],
    ["DELETE", "/"],
  ])("matches no route for %s %s", (method, path) => {
    expect(table.match(method, path)).toBeUndefined();
  });

  it.each([
    ["POST", "/users/1", "/users/{userId}", ["GET", "PUT", "PATCH", "DELETE"]],
    ["HEAD", "/users", "/users", ["GET", "POST"]],
    ["DELETE", "/users/", "/users", ["GET", "POST"]],
    ["TRACE", "/users/1", "/users/{userId}", ["GET", "PUT", "PATCH", "DELETE"]],
  ])("finds %s %s a resource without that method, naming the methods it has", (method, path, resourcePath, methods) => {
    expect(table.match(method, path)).toEqual({ kind: "method-not-allowed", resourcePath, methods });
  });

  it("answers OPTIONS on any resource as a preflight", () => {
    expect(table.match("OPTIONS", "/users/1")).toEqual({ kind: "preflight", resourcePath: "/users/{userId}" });
    expect(table.match("OPTIONS", "/")).toEqual({ kind: "preflight", resourcePath: "/" });
    expect(table.match("OPTIONS", "/nowhere")).toBeUndefined();
  });

  it("prefers a literal segment to a path parameter, and a parameter to a greedy one", () => {
    const precedence = new RouteTable([route("GET", "/files/{proxy+}"), route("GET", "/files/{id}"), route("GET", "/files/latest")]);

    expect(precedence.match("GET", "/files/latest")).toMatchObject({ route: { path: "/files/latest" }, pathParameters: null });
    expect(precedence.match("GET", "/files/7")).toMatchObject({ route: { path: "/files/{id}" }, pathParameters: { id: "7" } });
    expect(precedence.match("GET", "/files/a/b")).toMatchObject({ route: { path: "/files/{proxy+}" }, pathParameters: { proxy: "a/b" } });
  });

  it("refuses two routes for one method and path", () => {
    expect(() => new RouteTable([route("GET", "/x"), route("GET", "/x")])).toThrow(/Two routes/);
  });
});
