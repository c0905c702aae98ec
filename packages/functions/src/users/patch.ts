import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { UserPatch, bodyMediaTypes, etagOf, parseIfMatch, patchUser, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { parseJsonBody } from "../http/request.js";
import { json } from "../http/response.js";
import { metrics } from "../observability.js";
import { userStore } from "../store.js";
import { userIdOf } from "./user-id.js";

export const handler = httpHandler(routes.patchUser, async (request) => {
  const userId = userIdOf(request);
  const patch = parseJsonBody(request, UserPatch, bodyMediaTypes.mergePatch);
  const user = await patchUser(userStore, userId, patch, parseIfMatch(request.header("if-match")));
  metrics.addMetric("UsersUpdated", MetricUnit.Count, 1);
  return json(200, user, { etag: etagOf(user.version) });
});
