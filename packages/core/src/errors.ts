import type * as z from "./zod.js";

/** One problem with a request field, as listed in a validation problem. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Base of every error the domain raises on purpose; mapped to HTTP in one place. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

export type DomainErrorKind =
  | "ValidationFailed"
  | "NotFound"
  | "Conflict"
  | "PreconditionFailed"
  | "PayloadTooLarge"
  | "IdempotencyKeyReused"
  | "RequestInProgress"
  | "Forbidden";

export class ValidationFailed extends DomainError {
  readonly kind = "ValidationFailed";
  constructor(
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = "ValidationFailed";
  }

  /** Builds the error from zod issues, with paths prefixed by where the value came from. */
  static fromZod(error: z.core.$ZodError, message: string, prefix = ""): ValidationFailed {
    const errors = error.issues.flatMap((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== "").join(".");
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({ path: [path, key].filter(Boolean).join("."), message: "is not an allowed field" }));
      }
      // A bad record key reports "Invalid key in record"; the key schema's own message says why.
      const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return [{ path: path || "(root)", message }];
    });
    return new ValidationFailed(message, errors);
  }
}

export class NotFound extends DomainError {
  readonly kind = "NotFound";
  constructor(message: string) {
    super(message);
    this.name = "NotFound";
  }
}

export class Conflict extends DomainError {
  readonly kind = "Conflict";
  /** Set when trying again later can succeed (the user changed too often meanwhile): sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { readonly retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "Conflict";
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class PreconditionFailed extends DomainError {
  readonly kind = "PreconditionFailed";
  constructor(message: string) {
    super(message);
    this.name = "PreconditionFailed";
  }
}

export class PayloadTooLarge extends DomainError {
  readonly kind = "PayloadTooLarge";
  constructor(message: string) {
    super(message);
    this.name = "PayloadTooLarge";
  }
}

export class IdempotencyKeyReused extends DomainError {
  readonly kind = "IdempotencyKeyReused";
  constructor(message: string) {
    super(message);
    this.name = "IdempotencyKeyReused";
  }
}

export class RequestInProgress extends DomainError {
  readonly kind = "RequestInProgress";
  constructor(message: string) {
    super(message);
    this.name = "RequestInProgress";
  }
}

export class Forbidden extends DomainError {
  readonly kind = "Forbidden";
  constructor(message: string) {
    super(message);
    this.name = "Forbidden";
  }
}
