/** Largest request body the API accepts, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What an `Idempotency-Key` header on POST may hold: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
