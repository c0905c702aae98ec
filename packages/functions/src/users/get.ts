import { etagOf, getUser, parseIfMatch, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { json } from "../http/response.js";
import { userStore } from "../store.js";
import { userIdOf } from "./user-id.js";

export const handler = httpHandler(routes.getUser, async (request) => {
  const userId = userIdOf(request);
  // RFC 9110 §13.1.1: If-Match is evaluated before any method, a GET too.
  const user = await getUser(userStore, userId, parseIfMatch(request.header("if-match")));
  return json(200, user, { etag: etagOf(user.version) });
});
