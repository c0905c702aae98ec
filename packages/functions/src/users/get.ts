import { etagOf, getUser, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { json } from "../http/response.js";
import { userStore } from "../store.js";
import { userIdOf } from "./user-id.js";

export const handler = httpHandler(routes.getUser, async (request) => {
  const userId = userIdOf(request);
  const user = await getUser(userStore, userId);
  return json(200, user, { etag: etagOf(user.version) });
});
