import { functionDefaults } from "./function-defaults.js";

/**
 * Custom metrics the handlers emit through Powertools Metrics, in the
 * `functionDefaults.metricsNamespace` namespace. Every one carries the
 * {@link businessMetricDimensions}. The dashboard charts each of them. A
 * metric costs only in the hours it is emitted, so the failure counts cost
 * nothing while all is well; cold starts are read from Lambda's REPORT log
 * lines rather than kept as a metric per function.
 */
export const businessMetrics = ["UsersCreated", "UsersUpdated", "UsersDeleted", "DependencyUnavailable", "UnexpectedError", "DynamoDbThrottled"] as const;
export type BusinessMetric = (typeof businessMetrics)[number];

/** Dimensions of every business metric: Powertools' `service`, and the stage (the handlers read `SST_STAGE`). */
export const businessMetricDimensions = (stage: string) => ({ service: functionDefaults.serviceName, stage });
