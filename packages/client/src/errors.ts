import type { Problem } from "./generated/openapi.js";

const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Problem).status === "number" &&
  typeof (value as Problem).title === "string" &&
  typeof (value as Problem).detail === "string";

/** An answer that is not a success, with its RFC 9457 problem document when it has one. */
export class UsersApiError extends Error {
  override readonly name = "UsersApiError";
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(
    readonly response: Response,
    body: unknown,
  ) {
    const problem = isProblem(body) ? body : undefined;
    super(problem ? `${response.status} ${problem.title}: ${problem.detail}` : `${response.status} ${response.statusText}`.trim());
    this.status = response.status;
    this.problem = problem;
  }
}

/** What every call of the client answers (openapi-fetch's result). */
export interface CallResult<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * The data of a successful call; any other answer throws a {@link UsersApiError}.
 *
 * @example
 * const user = unwrap(await api.GET("/users/{userId}", { params: { path: { userId } } }));
 */
export function unwrap<T>(result: CallResult<T>): T {
  if (!result.response.ok) throw new UsersApiError(result.response, result.error);
  return result.data as T;
}
