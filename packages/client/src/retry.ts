export interface RetryOptions {
  /** Attempts after the first. @default 2 */
  readonly retries?: number;
  /** Statuses worth another attempt. @default [429, 503] */
  readonly statuses?: readonly number[];
  /** First wait when the answer has no `Retry-After`; doubled on each retry, with jitter. @default 200 */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, whatever `Retry-After` asks. @default 5000 */
  readonly maxDelayMs?: number;
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or `undefined`. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fetch that sends a request again when the answer's status asks for it, waiting what `Retry-After` says (or
 * an exponential backoff), up to a limit. Every request is safe to repeat on these statuses: a throttled request
 * never reached the API, and the API's 503 means nothing was written.
 */
export function retryingFetch(send: (request: Request) => Promise<Response>, options: RetryOptions = {}) {
  const { retries = 2, statuses = [429, 503], baseDelayMs = 200, maxDelayMs = 5000 } = options;
  return async (request: Request): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      // A request's body can be read once: every attempt but the last sends a copy.
      const response = await send(last ? request : request.clone());
      if (last || !statuses.includes(response.status)) return response;
      const backoff = baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await response.body?.cancel();
      await sleep(Math.min(maxDelayMs, retryAfterMs(response.headers.get("retry-after")) ?? backoff));
    }
  };
}
