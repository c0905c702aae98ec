import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { deleteUser, parseIfMatch, routes } from "@users-api/core";
import { httpHandler } from "../http/handler.js";
import { noContent } from "../http/response.js";
import { metrics } from "../observability.js";
import { userStore } from "../store.js";
import { userIdOf } from "./user-id.js";

export const handler = httpHandler(routes.deleteUser, async (request) => {
  const userId = userIdOf(request);
  await deleteUser(userStore, userId, parseIfMatch(request.header("if-match")));
  metrics.addMetric("UsersDeleted", MetricUnit.Count, 1);
  return noContent();
});
