import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { Forbidden, corsPolicy, type RouteDefinition } from "@users-api/core";
import { logger, metrics } from "../observability.js";
import { tracerForInvocation } from "../tracing.js";
import { toHttpRequest, type HttpRequest } from "./request.js";
import { problemResponse, responseForError, type HttpResponse } from "./response.js";

/** CORS headers for the stage's one allowed origin, so browsers accept the answer and can read its headers. */
const corsHeaders = (): Record<string, string> => {
  const origin = process.env.CORS_ALLOW_ORIGIN;
  return origin ? { "access-control-allow-origin": origin, "access-control-expose-headers": corsPolicy.exposeHeaders.join(", ") } : {};
};

export type Operation = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

/**
 * Flushes the invocation's metrics when it added any. Powertools' `logMetrics`
 * logs a warning on every invocation without one (every read: ~440 bytes of
 * logs a request) and would emit a cold-start metric per function; cold
 * starts are read from Lambda's REPORT lines instead.
 */
const publishStoredMetrics = (): middy.MiddlewareObj<APIGatewayProxyEvent, HttpResponse> => {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
};

/**
 * Powertools' `captureLambdaHandler` (the handler's subsegment, its ColdStart and Service annotations,
 * the response or error as metadata) with the invocation's tracer (tracing.ts).
 */
const traceHandler = (): middy.MiddlewareObj<APIGatewayProxyEvent, HttpResponse> => {
  let capture: middy.MiddlewareObj<APIGatewayProxyEvent, HttpResponse> | undefined;
  const traced = new WeakSet<object>();
  return {
    before: async (request) => {
      const tracer = await tracerForInvocation();
      if (!tracer) return;
      capture ??= captureLambdaHandler(tracer);
      traced.add(request);
      await capture.before?.(request);
    },
    after: async (request) => {
      if (traced.has(request)) await capture?.after?.(request);
    },
    onError: async (request) => {
      if (traced.has(request)) await capture?.onError?.(request);
    },
  };
};

/**
 * Wraps a route's operation: checks the caller's scope, maps errors to
 * problem documents in one place, and adds Powertools logs, metrics and traces.
 *
 * @example
 * export const handler = httpHandler(routes.getUser, async (request) => json(200, ...));
 */
export function httpHandler(route: RouteDefinition, operation: Operation) {
  const run = async (event: APIGatewayProxyEvent, context: Context): Promise<HttpResponse> => {
    const request = toHttpRequest(event);
    logger.appendKeys({ operation: route.operation, caller: request.caller });
    try {
      if (!request.scopes.includes(route.scope)) {
        throw new Forbidden(`This API key lacks the ${route.scope} scope that ${route.method} ${route.path} needs.`);
      }
      return await operation(request, context);
    } catch (error) {
      const response = responseForError(error);
      if (response) {
        if (response.statusCode >= 500) {
          logger.warn("dependency unavailable", { error });
          metrics.addMetric("DependencyUnavailable", MetricUnit.Count, 1);
        }
        return response;
      }
      logger.error("unexpected error", { error });
      metrics.addMetric("UnexpectedError", MetricUnit.Count, 1);
      return problemResponse(500, "An unexpected error occurred; it has been logged.");
    } finally {
      logger.resetKeys();
    }
  };
  const withCors = async (event: APIGatewayProxyEvent, context: Context): Promise<HttpResponse> => {
    const response = await run(event, context);
    return { ...response, headers: { ...corsHeaders(), ...response.headers } };
  };
  return middy(withCors).use(traceHandler()).use(injectLambdaContext(logger)).use(publishStoredMetrics());
}
