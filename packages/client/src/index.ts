export { createUsersApiClient, type UsersApiClient, type UsersApiClientOptions } from "./client.js";
export { etagOf, ifMatch, updateUser, type UpdateUserOptions, type VersionedUser } from "./concurrency.js";
export { unwrap, UsersApiError, type CallResult } from "./errors.js";
export { createUser, newIdempotencyKey, withIdempotencyKey, type CreatedUser, type CreateUserOptions } from "./idempotency.js";
export { allUsers, userPages, type PageOptions } from "./pagination.js";
export { retryAfterMs, retryingFetch, type RetryOptions } from "./retry.js";
export { apiKeyHeader } from "./generated/openapi.js";
export type { components, operations, paths, Problem, User, UserInput, UserPage, UserPatch } from "./generated/openapi.js";
