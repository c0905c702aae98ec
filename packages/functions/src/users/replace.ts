import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { UserInput, etagOf, parseIfMatch, replaceUser, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { parseJsonBody } from "../http/request.js";
import { json } from "../http/response.js";
import { metrics } from "../observability.js";
import { userStore } from "../store.js";
import { userIdOf } from "./user-id.js";

export const handler = httpHandler(routes.replaceUser, async (request) => {
  const userId = userIdOf(request);
  const input = parseJsonBody(request, UserInput);
  const user = await replaceUser(userStore, userId, input, parseIfMatch(request.header("if-match")));
  metrics.addMetric("UsersUpdated", MetricUnit.Count, 1);
  return json(200, user, { etag: etagOf(user.version) });
});
