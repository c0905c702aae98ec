import { z } from "zod";

/** Unit prices, from `prices.json` (one file, with its review date and sources). */
export const Prices = z.object({
  region: z.string(),
  currency: z.string(),
  reviewed: z.string(),
  note: z.string(),
  sources: z.record(z.string(), z.string()),
  apiGateway: z.object({ restApiPerMillionRequests: z.number(), httpApiPerMillionRequests: z.number() }),
  lambda: z.object({ perMillionRequests: z.number(), perGbSecondArm64: z.number(), perGbSecondX86_64: z.number() }),
  dynamoDb: z.object({
    perRcuHour: z.number(),
    perWcuHour: z.number(),
    onDemandPerMillionReadUnits: z.number(),
    onDemandPerMillionWriteUnits: z.number(),
    storagePerGbMonth: z.number(),
    pointInTimeRecoveryPerGbMonth: z.number(),
  }),
  secretsManager: z.object({ perSecretMonth: z.number(), perTenThousandApiCalls: z.number() }),
  cloudWatch: z.object({
    perDashboardMonth: z.number(),
    perStandardAlarmMonth: z.number(),
    logsIngestionPerGb: z.number(),
    logsStoragePerGbMonth: z.number(),
    perCustomMetricMonth: z.number(),
  }),
  xRay: z.object({ perMillionTracesRecorded: z.number() }),
});
export type Prices = z.infer<typeof Prices>;

/** What the synthesized templates declare that has a price. */
export interface DeploymentFacts {
  readonly functions: readonly { readonly id: string; readonly memoryMb: number; readonly architecture: "arm64" | "x86_64"; readonly tracing: boolean }[];
  /** The table and each global secondary index, with their autoscaling bounds. */
  readonly capacity: readonly {
    readonly name: string;
    readonly read: { readonly min: number; readonly max: number };
    readonly write: { readonly min: number; readonly max: number };
    readonly targetUtilizationPercent: number;
  }[];
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
  readonly logRetentionDays: number;
}

/** A route's share of traffic and what one request of it costs in capacity units and time. */
export interface RouteTraffic {
  readonly functionId: string;
  readonly share: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly durationMs: number;
}

export interface TrafficAssumptions {
  readonly requestsPerDay: number;
  readonly routes: readonly RouteTraffic[];
  /** Authorizer invocations per API request (1 = the cache never hits; API Gateway caches per key for 5 minutes). */
  readonly authorizerInvocationsPerRequest: number;
  readonly authorizerDurationMs: number;
  /** Bytes of function logs plus API access log per request. */
  readonly logBytesPerRequest: number;
  /** Secrets Manager calls per day (the authorizer re-reads its secret once a minute per warm environment). */
  readonly secretsApiCallsPerDay: number;
  readonly customMetrics: number;
  readonly storedUsers: number;
  readonly averageItemKb: number;
}

export const DAYS_PER_MONTH = 365 / 12;
export const HOURS_PER_MONTH = 24 * DAYS_PER_MONTH;

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  readonly total: number;
  readonly byService: Readonly<Record<string, number>>;
}

const line = (service: string, item: string, quantity: number, unit: string, unitPrice: number): CostLine => ({
  service,
  item,
  quantity,
  unit,
  unitPrice,
  monthly: quantity * unitPrice,
});

const summarize = (lines: CostLine[]): CostEstimate => {
  const byService: Record<string, number> = {};
  for (const { service, monthly } of lines) byService[service] = (byService[service] ?? 0) + monthly;
  return { lines, total: lines.reduce((sum, { monthly }) => sum + monthly, 0), byService };
};

/** Average consumed capacity units per second over a month, from the route mix. */
export function averageUnitsPerSecond(traffic: TrafficAssumptions) {
  const perSecond = traffic.requestsPerDay / 86_400;
  return {
    read: perSecond * traffic.routes.reduce((sum, route) => sum + route.share * route.readUnits, 0),
    write: perSecond * traffic.routes.reduce((sum, route) => sum + route.share * route.writeUnits, 0),
  };
}

/**
 * Provisioned capacity billed per hour: the autoscaling minimum, or what the
 * average load needs at the target utilization when that is more. The load
 * is charged to the table; indexes stay at their minimum unless a load says otherwise.
 */
function provisionedLines(facts: DeploymentFacts, traffic: TrafficAssumptions, prices: Prices): CostLine[] {
  const load = averageUnitsPerSecond(traffic);
  return facts.capacity.flatMap((capacity, index) => {
    const needed = (units: number) => (index === 0 ? units / (capacity.targetUtilizationPercent / 100) : 0);
    const read = Math.min(capacity.read.max, Math.max(capacity.read.min, Math.ceil(needed(load.read))));
    const write = Math.min(capacity.write.max, Math.max(capacity.write.min, Math.ceil(needed(load.write))));
    return [
      line("DynamoDB", `${capacity.name} provisioned reads`, read * HOURS_PER_MONTH, "RCU-hours", prices.dynamoDb.perRcuHour),
      line("DynamoDB", `${capacity.name} provisioned writes`, write * HOURS_PER_MONTH, "WCU-hours", prices.dynamoDb.perWcuHour),
    ];
  });
}

function onDemandLines(traffic: TrafficAssumptions, prices: Prices): CostLine[] {
  const load = averageUnitsPerSecond(traffic);
  const seconds = DAYS_PER_MONTH * 86_400;
  return [
    line("DynamoDB", "on-demand read request units", (load.read * seconds) / 1e6, "million RRU", prices.dynamoDb.onDemandPerMillionReadUnits),
    line("DynamoDB", "on-demand write request units", (load.write * seconds) / 1e6, "million WRU", prices.dynamoDb.onDemandPerMillionWriteUnits),
  ];
}

/**
 * Monthly estimate per service for the deployment and the traffic, plus the
 * same traffic with DynamoDB on-demand and with an HTTP API instead of REST.
 */
export function estimateMonthlyCost(facts: DeploymentFacts, traffic: TrafficAssumptions, prices: Prices) {
  const requestsPerMonth = traffic.requestsPerDay * DAYS_PER_MONTH;
  const authorizerInvocations = requestsPerMonth * traffic.authorizerInvocationsPerRequest;
  const memoryOf = (id: string) => facts.functions.find((fn) => fn.id === id);
  const gbSecondPrice = (id: string) =>
    memoryOf(id)?.architecture === "x86_64" ? prices.lambda.perGbSecondX86_64 : prices.lambda.perGbSecondArm64;

  const lambdaDuration = traffic.routes.map((route) => {
    const memoryGb = (memoryOf(route.functionId)?.memoryMb ?? 128) / 1024;
    const gbSeconds = requestsPerMonth * route.share * Math.ceil(route.durationMs) / 1000 * memoryGb;
    return line("Lambda", `${route.functionId} duration`, gbSeconds, "GB-s", gbSecondPrice(route.functionId));
  });
  const authorizer = facts.functions.find((fn) => !traffic.routes.some((route) => route.functionId === fn.id));
  if (authorizer) {
    const gbSeconds = authorizerInvocations * Math.ceil(traffic.authorizerDurationMs) / 1000 * (authorizer.memoryMb / 1024);
    lambdaDuration.push(line("Lambda", `${authorizer.id} duration`, gbSeconds, "GB-s", gbSecondPrice(authorizer.id)));
  }
  const storageGb = (traffic.storedUsers * traffic.averageItemKb) / (1024 * 1024);
  const logGb = (requestsPerMonth * traffic.logBytesPerRequest) / 1024 ** 3;
  const traced = facts.functions.some((fn) => fn.tracing);

  const shared: CostLine[] = [
    line("Lambda", "requests", (requestsPerMonth + authorizerInvocations) / 1e6, "million requests", prices.lambda.perMillionRequests),
    ...lambdaDuration,
    line("DynamoDB", "storage", storageGb, "GB-month", prices.dynamoDb.storagePerGbMonth),
    line("DynamoDB", "point-in-time recovery", storageGb, "GB-month", prices.dynamoDb.pointInTimeRecoveryPerGbMonth),
    line("Secrets Manager", "secrets", facts.secrets, "secret-months", prices.secretsManager.perSecretMonth),
    line("Secrets Manager", "API calls", (traffic.secretsApiCallsPerDay * DAYS_PER_MONTH) / 10_000, "10k calls", prices.secretsManager.perTenThousandApiCalls),
    line("CloudWatch", "dashboards", facts.dashboards, "dashboard-months", prices.cloudWatch.perDashboardMonth),
    line("CloudWatch", "alarms", facts.alarms, "alarm-months", prices.cloudWatch.perStandardAlarmMonth),
    line("CloudWatch", "custom metrics", traffic.customMetrics, "metric-months", prices.cloudWatch.perCustomMetricMonth),
    line("CloudWatch", "log ingestion", logGb, "GB", prices.cloudWatch.logsIngestionPerGb),
    line("CloudWatch", "log storage", logGb * Math.min(facts.logRetentionDays / 30, 12), "GB-month", prices.cloudWatch.logsStoragePerGbMonth),
    ...(traced ? [line("X-Ray", "traces recorded", requestsPerMonth / 1e6, "million traces", prices.xRay.perMillionTracesRecorded)] : []),
  ];
  const restApi = line("API Gateway", "REST API requests", requestsPerMonth / 1e6, "million requests", prices.apiGateway.restApiPerMillionRequests);
  const httpApi = line("API Gateway", "HTTP API requests", requestsPerMonth / 1e6, "million requests", prices.apiGateway.httpApiPerMillionRequests);
  const provisioned = provisionedLines(facts, traffic, prices);
  const onDemand = onDemandLines(traffic, prices);

  return {
    requestsPerMonth,
    configured: summarize([restApi, ...shared, ...provisioned]),
    dynamoDbOnDemand: summarize([restApi, ...shared, ...onDemand]),
    httpApi: summarize([httpApi, ...shared, ...provisioned]),
  };
}
