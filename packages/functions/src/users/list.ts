import { ListUsersQuery, decodeCursor, encodeCursor, listUsersNewestFirst, routes } from "@users-api/core";
import { readSecret } from "../secrets.js";
import { httpHandler } from "../http/handler.js";
import { parseQuery } from "../http/request.js";
import { json } from "../http/response.js";
import { userStore } from "../store.js";

export const handler = httpHandler(routes.listUsers, async (request) => {
  const { limit, cursor } = parseQuery(request, ListUsersQuery);
  const cursorSecret = await readSecret("CURSOR_SECRET");
  const page = await listUsersNewestFirst(userStore, {
    limit,
    startAfter: cursor === undefined ? undefined : decodeCursor(cursor, cursorSecret),
  });
  return json(200, {
    items: page.items,
    nextCursor: page.nextKey ? encodeCursor(page.nextKey, cursorSecret) : null,
  });
});
