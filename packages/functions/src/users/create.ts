import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  IDEMPOTENCY_KEY_PATTERN,
  IdempotencyKeyReused,
  RequestInProgress,
  UserInput,
  ValidationFailed,
  createUser,
  createUserWithId,
  etagOf,
  routes,
  userIdForIdempotencyKey,
  type User,
} from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { parseJsonBody } from "../http/request.js";
import { json, type HttpResponse } from "../http/response.js";
import { metrics } from "../observability.js";
import { dynamoDbClient, userStore } from "../store.js";
import { IdempotencyRecordStore } from "./idempotency-store.js";

/** A client's `Idempotency-Key` is honoured for 24 hours. */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

interface CreateRequest {
  /** The API key's name, so two clients can never collide on one idempotency key. */
  readonly caller: string;
  readonly idempotencyKey: string;
  readonly input: UserInput;
}

const created = (user: User) => json(201, user, { location: `/users/${user.userId}`, etag: etagOf(user.version) });

async function create(input: UserInput): Promise<HttpResponse> {
  const user = await createUser(userStore, input);
  metrics.addMetric("UsersCreated", MetricUnit.Count, 1);
  return created(user);
}

/**
 * With an Idempotency-Key the user's id comes from the caller and the key, so running the create again
 * (its first attempt timed out after the write landed, and Powertools' in-progress record expired)
 * answers with the user that attempt made rather than a 409 from its own email guard.
 */
async function createForKey(request: CreateRequest): Promise<HttpResponse> {
  const userId = userIdForIdempotencyKey(request.caller, request.idempotencyKey);
  const result = await createUserWithId(userStore, userId, request.input);
  if (result.created) metrics.addMetric("UsersCreated", MetricUnit.Count, 1);
  return created(result.user);
}

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: "[caller, idempotencyKey]",
  payloadValidationJmesPath: "input",
  expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
});

/** Replays the first response for a repeated key; the records live in the users table and expire by TTL. */
const createOnce = makeIdempotent(createForKey, {
  persistenceStore: new IdempotencyRecordStore({ tableName: userStore.tableName, client: dynamoDbClient }),
  config: idempotencyConfig,
});

export const handler = httpHandler(routes.createUser, async (request, context) => {
  const input = parseJsonBody(request, UserInput);
  const idempotencyKey = request.header("idempotency-key");
  if (idempotencyKey === undefined) return create(input);
  if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ValidationFailed("The Idempotency-Key header is not valid.", [
      { path: "headers.idempotency-key", message: "must be 1 to 255 visible ASCII characters" },
    ]);
  }
  idempotencyConfig.registerLambdaContext(context);
  try {
    return await createOnce({ caller: request.caller, idempotencyKey, input });
  } catch (error) {
    if (error instanceof Error && error.name === "IdempotencyValidationError") {
      throw new IdempotencyKeyReused("This Idempotency-Key was already used with a different body.");
    }
    if (error instanceof Error && error.name === "IdempotencyAlreadyInProgressError") {
      throw new RequestInProgress("A request with this Idempotency-Key is still being processed.");
    }
    throw error;
  }
});
