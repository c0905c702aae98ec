import { ListUsersQuery, decodeCursor, encodeCursor, listUsersNewestFirst, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { parseQuery } from "../http/request.js";
import { json } from "../http/response.js";
import { boundSecret } from "../bindings.js";
import { userStore } from "../store.js";

export const handler = httpHandler(routes.listUsers, async (request) => {
  const { limit, cursor } = parseQuery(request, ListUsersQuery);
  const page = await listUsersNewestFirst(userStore, {
    limit,
    startAfter: cursor === undefined ? undefined : decodeCursor(cursor, await boundSecret("cursorSecret")),
  });
  return json(200, {
    items: page.items,
    nextCursor: page.nextKey ? encodeCursor(page.nextKey, await boundSecret("cursorSecret")) : null,
  });
});
