import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

/** Service name and metrics namespace come from POWERTOOLS_* variables the stack sets. */
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
