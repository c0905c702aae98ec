import { ifMatch, withIdempotencyKey, type UsersApiClient } from "@users-api/client";
import type { Answer, PlannedRequest } from "./workload.js";

/**
 * Sends a planned request through the typed client, so the load test calls the API exactly as the contract
 * describes it: the same paths, parameters, `If-Match` and `Idempotency-Key` headers the client's types allow.
 */
export async function send(client: UsersApiClient, request: PlannedRequest, signal?: AbortSignal): Promise<Answer> {
  const result = await call(client, request, signal);
  return { status: result.response.status, body: result.data ?? result.error, etag: result.response.headers.get("etag") ?? undefined };
}

function call(client: UsersApiClient, request: PlannedRequest, signal: AbortSignal | undefined) {
  switch (request.route) {
    case "listUsers":
      return client.GET("/users", { params: { query: request.query }, signal });
    case "createUser":
      return client.POST("/users", { params: { header: withIdempotencyKey(request.idempotencyKey) }, body: request.body, signal });
    case "getUser":
      return client.GET("/users/{userId}", { params: { path: { userId: request.user.userId } }, signal });
    case "patchUser":
      return client.PATCH("/users/{userId}", {
        params: { path: { userId: request.user.userId }, header: ifMatch(request.user.etag) },
        body: request.body,
        headers: { "content-type": "application/merge-patch+json" },
        signal,
      });
    case "replaceUser":
      return client.PUT("/users/{userId}", {
        params: { path: { userId: request.user.userId }, header: ifMatch(request.user.etag) },
        body: request.body,
        signal,
      });
    case "deleteUser":
      return client.DELETE("/users/{userId}", { params: { path: { userId: request.user.userId }, header: ifMatch(request.user.etag) }, signal });
  }
}
