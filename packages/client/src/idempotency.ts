import type { UsersApiClient } from "./client.js";
import { etagOf, type VersionedUser } from "./concurrency.js";
import { unwrap, UsersApiError } from "./errors.js";
import type { UserInput } from "./generated/openapi.js";
import { retryAfterMs } from "./retry.js";

/** A new `Idempotency-Key`: a random UUID. Send the same key again only to retry the same create. */
export const newIdempotencyKey = (): string => globalThis.crypto.randomUUID();

/**
 * The `Idempotency-Key` header parameter of `POST /users`: for 24 hours, the same key with the same body replays
 * the first answer instead of creating another user.
 *
 * @example
 * await api.POST("/users", { params: { header: withIdempotencyKey(key) }, body: input });
 */
export const withIdempotencyKey = (key: string = newIdempotencyKey()) => ({ "Idempotency-Key": key }) as const;

export interface CreateUserOptions {
  /** @default a new one, kept for every attempt */
  readonly idempotencyKey?: string;
  /** Sends at most this many times. @default 3 */
  readonly attempts?: number;
  /** First wait between attempts when the answer names none; doubled each time. @default 250 */
  readonly baseDelayMs?: number;
}

export interface CreatedUser extends VersionedUser {
  /** Path of the new user (the `Location` header). */
  readonly location: string;
  readonly idempotencyKey: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates a user at most once however often it has to be sent: every attempt carries the same Idempotency-Key,
 * so a retry after a lost answer, a 5xx, or a 409 "still in progress" gets the first user back rather than a
 * second one. Any other problem (400, 409 for a taken email, 422) throws a {@link UsersApiError} at once.
 *
 * @example
 * const { user, etag } = await createUser(api, { email: "ada@example.com", name: "Ada Lovelace" });
 */
export async function createUser(client: UsersApiClient, input: UserInput, options: CreateUserOptions = {}): Promise<CreatedUser> {
  const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= attempts;
    const backoff = baseDelayMs * 2 ** (attempt - 1);
    let result;
    try {
      result = await client.POST("/users", { params: { header: withIdempotencyKey(idempotencyKey) }, body: input });
    } catch (error) {
      // No answer: the user may or may not exist; the same key settles which.
      if (last) throw error;
      await sleep(backoff);
      continue;
    }
    const { response } = result;
    const inProgress = response.status === 409 && response.headers.has("retry-after");
    if (!last && (response.status >= 500 || inProgress)) {
      await sleep(retryAfterMs(response.headers.get("retry-after")) ?? backoff);
      continue;
    }
    if (!response.ok) throw new UsersApiError(response, result.error);
    return { user: unwrap(result), etag: etagOf(response), location: response.headers.get("location") ?? "", idempotencyKey };
  }
}
