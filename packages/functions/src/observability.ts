import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { installSourceMappedStacks } from "./source-mapped-stack.js";

// Before anything can throw: logged stacks name the TypeScript file and line.
installSourceMappedStacks();

/** Service name and metrics namespace come from POWERTOOLS_* variables the stack sets. */
export const logger = new Logger();
/**
 * The `stage` dimension keeps the business metrics of stages that share an account apart.
 * Metrics' own warnings (e.g. "no metrics" on every read) go through the logger: JSON, at its level.
 */
export const metrics = new Metrics({ logger, defaultDimensions: { stage: process.env.SST_STAGE ?? "unknown" } });
