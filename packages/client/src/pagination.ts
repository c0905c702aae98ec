import type { UsersApiClient } from "./client.js";
import { unwrap } from "./errors.js";
import type { User, UserPage } from "./generated/openapi.js";

export interface PageOptions {
  /** Users per page, 1 to 100. @default the API's (20) */
  readonly limit?: number;
  /** Start after the page this cursor came from, instead of at the newest user. */
  readonly cursor?: string;
}

/**
 * Every page of `GET /users`, newest users first, following `nextCursor` until it is `null`. Stop early by
 * breaking out of the loop; nothing more is fetched.
 *
 * @example
 * for await (const page of userPages(api, { limit: 100 })) console.log(page.items.length);
 */
export async function* userPages(client: UsersApiClient, options: PageOptions = {}): AsyncGenerator<UserPage, void, undefined> {
  let cursor = options.cursor;
  do {
    const query = { ...(options.limit === undefined ? {} : { limit: options.limit }), ...(cursor === undefined ? {} : { cursor }) };
    const page = unwrap(await client.GET("/users", { params: { query } }));
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * Every user, newest first, fetched a page at a time as the loop asks for more.
 *
 * @example
 * for await (const user of allUsers(api)) if (user.email.endsWith("@example.com")) console.log(user.userId);
 */
export async function* allUsers(client: UsersApiClient, options: PageOptions = {}): AsyncGenerator<User, void, undefined> {
  for await (const page of userPages(client, options)) yield* page.items;
}
