import {
  FirstPageCache,
  LIST_SETTINGS_VARIABLE,
  ListUsersQuery,
  decodeCursor,
  encodeCursor,
  listSettingsFrom,
  listUsersNewestFirst,
  routes,
  type UserListPage,
} from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { parseQuery } from "../http/request.js";
import { json } from "../http/response.js";
import { boundSecret } from "../bindings.js";
import { userStore } from "../store.js";

/** The newest page, kept as long as the stage's list settings say (not at all by default). */
const firstPages = new FirstPageCache<UserListPage>(listSettingsFrom(process.env[LIST_SETTINGS_VARIABLE]).firstPageCacheMs);

export const handler = httpHandler(routes.listUsers, async (request) => {
  const { limit, cursor } = parseQuery(request, ListUsersQuery);
  const page =
    cursor === undefined
      ? await firstPages.get(limit, () => listUsersNewestFirst(userStore, { limit }))
      : await listUsersNewestFirst(userStore, { limit, startAfter: decodeCursor(cursor, await boundSecret("cursorSecret")) });
  return json(200, {
    items: page.items,
    nextCursor: page.nextKey ? encodeCursor(page.nextKey, await boundSecret("cursorSecret")) : null,
  });
});
