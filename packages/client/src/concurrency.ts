import type { UsersApiClient } from "./client.js";
import { unwrap, UsersApiError } from "./errors.js";
import type { User, UserPatch } from "./generated/openapi.js";

/** A user with the entity tag of the version it is. */
export interface VersionedUser {
  readonly user: User;
  readonly etag: string;
}

/** The `ETag` of an answer about one user: send it back with {@link ifMatch} to change only that version. */
export function etagOf(response: Response): string {
  const etag = response.headers.get("etag");
  if (etag === null) throw new Error(`The ${response.status} answer from ${response.url} has no ETag.`);
  return etag;
}

/**
 * The `If-Match` header parameter of PUT, PATCH or DELETE: the change applies only if the user is still at this
 * version, otherwise the API answers 412 and changes nothing.
 *
 * @example
 * await api.DELETE("/users/{userId}", { params: { path: { userId }, header: ifMatch(etag) } });
 */
export const ifMatch = (etag: string) => ({ "If-Match": etag }) as const;

export interface UpdateUserOptions {
  /** Reads and patches at most this many times while others keep changing the user. @default 5 */
  readonly attempts?: number;
}

/**
 * Read, change, write, without losing anyone else's update: reads the user and its ETag, patches with
 * `If-Match`, and starts over when another writer got there first (412). `change` gets the current user and
 * returns a JSON merge patch.
 *
 * @example
 * await updateUser(api, userId, (user) => ({ attributes: { logins: Number(user.attributes?.logins ?? 0) + 1 } }));
 */
export async function updateUser(
  client: UsersApiClient,
  userId: string,
  change: (user: User) => UserPatch,
  options: UpdateUserOptions = {},
): Promise<VersionedUser> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const current = await client.GET("/users/{userId}", { params: { path: { userId } } });
    const user = unwrap(current);
    const result = await client.PATCH("/users/{userId}", {
      params: { path: { userId }, header: ifMatch(etagOf(current.response)) },
      body: change(user),
    });
    if (result.response.status === 412 && attempt < attempts) continue;
    if (!result.response.ok) throw new UsersApiError(result.response, result.error);
    return { user: unwrap(result), etag: etagOf(result.response) };
  }
}
