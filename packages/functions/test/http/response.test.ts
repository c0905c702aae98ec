import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  TransactionCanceledException,
  TransactionInProgressException,
  ConditionalCheckFailedException,
} from "@aws-sdk/client-dynamodb";
import { IdempotencyPersistenceLayerError } from "@aws-lambda-powertools/idempotency";
import {
  Conflict,
  Forbidden,
  IdempotencyKeyReused,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  RequestInProgress,
  ValidationFailed,
  type DomainError,
} from "@users-api/core";
import { describe, expect, it } from "vitest";
import { responseForError } from "../../src/http/response.js";

const $metadata = { httpStatusCode: 400, requestId: "r-1", attempts: 2, totalRetryDelay: 500 };
const serverMetadata = { ...$metadata, httpStatusCode: 500 };

/** An error as Node's HTTP client raises it when the endpoint cannot be reached. */
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
const namedError = (name: string) => Object.assign(new Error(name), { name });

describe("responseForError", () => {
  it.each([
    [new ValidationFailed("The body is not a valid user."), 400],
    [new Forbidden("No scope."), 403],
    [new NotFound("No user."), 404],
    [new Conflict("Email taken."), 409],
    [new RequestInProgress("Still running."), 409],
    [new PreconditionFailed("Stale."), 412],
    [new PayloadTooLarge("Too big."), 413],
    [new IdempotencyKeyReused("Other body."), 422],
  ] satisfies [DomainError, number][])("answers %o with %i and a problem document of its message", (error, status) => {
    const response = responseForError(error);
    expect(response?.statusCode).toBe(status);
    expect(response?.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(response?.body ?? "")).toEqual({
      type: expect.stringMatching(/^\/problems\//),
      title: expect.any(String),
      status,
      detail: error.message,
    });
  });

  it("lists a validation failure's field errors", () => {
    const errors = [{ path: "body.email", message: "must be a valid email address" }];
    const response = responseForError(new ValidationFailed("The body is not a valid user.", errors));
    expect(JSON.parse(response?.body ?? "")).toMatchObject({ status: 400, errors });
  });

  it("asks the client to retry a request still in progress after a second", () => {
    expect(responseForError(new RequestInProgress("Still running."))?.headers["retry-after"]).toBe("1");
  });

  it.each([
    ["ProvisionedThroughputExceededException", new ProvisionedThroughputExceededException({ message: "Slow down", $metadata })],
    ["RequestLimitExceeded", new RequestLimitExceeded({ message: "Account limit", $metadata })],
    ["InternalServerError", new InternalServerError({ message: "Oops", $metadata: serverMetadata })],
    ["TransactionInProgressException", new TransactionInProgressException({ message: "Busy", $metadata })],
    ["ThrottlingException", namedError("ThrottlingException")],
    ["ServiceUnavailable", namedError("ServiceUnavailable")],
    ["TimeoutError", namedError("TimeoutError")],
    ["an unmodelled 5xx answer", Object.assign(namedError("UnknownError"), { $metadata: { httpStatusCode: 502 } })],
    ["ECONNREFUSED", networkError("ECONNREFUSED")],
    ["ECONNRESET", networkError("ECONNRESET")],
    ["ETIMEDOUT", networkError("ETIMEDOUT")],
    ["ENOTFOUND", networkError("ENOTFOUND")],
    [
      "a Powertools persistence error caused by throttling",
      new IdempotencyPersistenceLayerError("Failed to save in progress idempotency record", {
        cause: new ProvisionedThroughputExceededException({ message: "Slow down", $metadata }),
      }),
    ],
    ["an error caused by a refused connection", new Error("wrapped", { cause: networkError("ECONNREFUSED") })],
  ])("answers %s with 503, Retry-After and a problem document", (_, error) => {
    const response = responseForError(error);
    expect(response).toEqual({
      statusCode: 503,
      headers: { "content-type": "application/problem+json", "retry-after": "1" },
      body: expect.any(String),
    });
    expect(JSON.parse(response?.body ?? "")).toEqual({
      type: "/problems/service-unavailable",
      title: "Service Unavailable",
      status: 503,
      detail: "A service the API depends on is unavailable, slow or throttled; try again shortly.",
    });
  });

  it.each([
    ["a plain Error", new Error("bug")],
    ["a TypeError", new TypeError("x is undefined")],
    ["a string", "failed"],
    ["undefined", undefined],
    ["a failed condition (a 400 of DynamoDB)", new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata })],
    ["a cancelled transaction", new TransactionCanceledException({ message: "Cancelled", $metadata, CancellationReasons: [] })],
    ["an error caused by a bug", new Error("wrapped", { cause: new TypeError("bug") })],
    ["an unknown network code", networkError("EACCES")],
  ])("leaves %s unmapped (a bug, answered 500 by the handler)", (_, error) => {
    expect(responseForError(error)).toBeUndefined();
  });
});
