import { z } from "zod";

/** Unit prices and always-free allowances, from `prices.json` (one file, with its review date and sources). */
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
    perAlarmMetricMonth: z.number(),
    perCompositeAlarmMonth: z.number(),
    logsIngestionPerGb: z.number(),
    logsStoragePerGbMonth: z.number(),
    perCustomMetricMonth: z.number(),
  }),
  xRay: z.object({ perMillionTracesRecorded: z.number() }),
  eventBridge: z.object({ perMillionScheduledInvocations: z.number() }),
  alwaysFree: z.object({
    lambda: z.object({ requests: z.number(), gbSeconds: z.number() }),
    dynamoDb: z.object({ readCapacityUnits: z.number(), writeCapacityUnits: z.number(), storageGb: z.number() }),
    cloudWatch: z.object({
      customMetrics: z.number(),
      alarmMetrics: z.number(),
      dashboards: z.number(),
      metricsPerFreeDashboard: z.number(),
      logsGb: z.number(),
    }),
    xRay: z.object({ tracesRecorded: z.number() }),
  }),
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
  /** Each metric alarm of the stacks and the metrics it reads (CloudWatch bills every one). */
  readonly alarms: readonly { readonly id: string; readonly metrics: number }[];
  readonly compositeAlarms: number;
  /** DynamoDB target-tracking policies: Application Auto Scaling creates four alarms for each. */
  readonly dynamoDbTargetTrackingPolicies: number;
  /** Each dashboard and the distinct metrics it references. */
  readonly dashboards: readonly { readonly metrics: number }[];
  readonly secrets: number;
  readonly logRetentionDays: number;
  /** The stage's X-Ray sampling rule; absent: X-Ray's default rule. */
  readonly sampling: { readonly reservoirPerSecond: number; readonly fixedRate: number } | undefined;
  /** Invocations of functions by scheduled rules. */
  readonly scheduledInvocationsPerDay: number;
}

/** X-Ray's default sampling rule: the first request each second, then 5 % of the rest. */
export const X_RAY_DEFAULT_RULE = { reservoirPerSecond: 1, fixedRate: 0.05 } as const;
/** Alarms DynamoDB auto scaling creates per target-tracking policy: AlarmHigh, AlarmLow, ProvisionedCapacityHigh, ProvisionedCapacityLow. */
export const ALARMS_PER_DYNAMODB_TARGET_TRACKING_POLICY = 4;

/** A route's share of traffic and what one request of it costs in function time and log bytes. */
export interface RouteTraffic {
  readonly functionId: string;
  readonly share: number;
  readonly durationMs: number;
  /** Bytes the function itself writes per invocation (Powertools lines), beyond Lambda's own lines. */
  readonly functionLogBytes: number;
  /** Business metrics one request of this route emits. */
  readonly emits: readonly string[];
}

/** Provisioned capacity over a day, from the autoscaling model replaying the day as the stacks configure it. */
export interface CapacityDay {
  /** Provisioned units × hours in a day, per dimension. */
  readonly provisionedUnitHours: { readonly read: number; readonly write: number };
  /** Units consumed in a day (what on-demand would bill). */
  readonly consumedUnits: { readonly read: number; readonly write: number };
}

export interface TrafficAssumptions {
  readonly requestsPerDay: number;
  /** Share of a day's requests in each minute (1,440 entries summing to 1): the daily profile. */
  readonly minuteShares: readonly number[];
  readonly routes: readonly RouteTraffic[];
  /** Authorizer invocations a day (API Gateway caches its answer per key). */
  readonly authorizerInvocationsPerDay: number;
  readonly authorizerDurationMs: number;
  /** GetSecretValue calls a day (the authorizer keeps the key records a while per environment). */
  readonly secretsApiCallsPerDay: number;
  /** Bytes of one API Gateway access log line. */
  readonly accessLogBytes: number;
  /** Bytes of Lambda's START, END and REPORT lines of one invocation. */
  readonly platformLogBytes: number;
  /** Bytes Lambda adds to REPORT when the invocation is traced. */
  readonly tracedReportBytes: number;
  /** Business metrics that would be emitted only on failures (billed 0 on a healthy month). */
  readonly failureMetrics: readonly string[];
  readonly storedUsers: number;
  readonly averageItemKb: number;
  readonly capacity: CapacityDay;
  /** Time one run of the capacity guard takes. */
  readonly guardDurationMs: number;
}

export const DAYS_PER_MONTH = 365 / 12;
export const HOURS_PER_MONTH = 24 * DAYS_PER_MONTH;

/** An allowance of AWS's always-free tier that a line draws on. */
export type FreePool =
  | "lambda.requests"
  | "lambda.gbSeconds"
  | "dynamoDb.readCapacityUnits"
  | "dynamoDb.writeCapacityUnits"
  | "dynamoDb.storageGb"
  | "cloudWatch.customMetrics"
  | "cloudWatch.alarmMetrics"
  | "cloudWatch.dashboards"
  | "cloudWatch.logsGb"
  | "xRay.tracesRecorded";

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  readonly pool?: FreePool;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  readonly total: number;
  readonly byService: Readonly<Record<string, number>>;
}

const line = (service: string, item: string, quantity: number, unit: string, unitPrice: number, pool?: FreePool): CostLine => ({
  service,
  item,
  quantity,
  unit,
  unitPrice,
  monthly: quantity * unitPrice,
  ...(pool ? { pool } : {}),
});

export const summarize = (lines: readonly CostLine[]): CostEstimate => {
  const byService: Record<string, number> = {};
  for (const { service, monthly } of lines) byService[service] = (byService[service] ?? 0) + monthly;
  return { lines, total: lines.reduce((sum, { monthly }) => sum + monthly, 0), byService };
};

/** Probability that a Poisson count of mean `mean` is at least 1. */
const atLeastOne = (mean: number) => 1 - Math.exp(-mean);

/** E[min(N, r)] for N Poisson with mean `mean`: requests a reservoir of `r` a second takes. */
function expectedWithin(mean: number, r: number): number {
  let cumulative = 0;
  let probability = Math.exp(-mean);
  let expected = 0;
  for (let k = 0; k < r; k++) {
    cumulative += probability;
    expected += 1 - cumulative; // P(N > k)
    probability *= mean / (k + 1);
  }
  return expected;
}

/**
 * Traces a day recorded under a sampling rule: each second, the reservoir's
 * first requests, then the fixed rate of the rest (Poisson arrivals at the
 * minute's average rate). This is how X-Ray applies a rule.
 */
export function tracesPerDay(
  traffic: Pick<TrafficAssumptions, "requestsPerDay" | "minuteShares">,
  rule: { reservoirPerSecond: number; fixedRate: number },
): number {
  return traffic.minuteShares.reduce((total, share) => {
    const perSecond = (traffic.requestsPerDay * share) / 60;
    const reserved = expectedWithin(perSecond, rule.reservoirPerSecond);
    return total + 60 * (reserved + rule.fixedRate * (perSecond - reserved));
  }, 0);
}

/** Hours of a day in which a metric emitted `perRequest` times a request gets at least one datapoint (what CloudWatch bills). */
export function metricHoursPerDay(traffic: Pick<TrafficAssumptions, "requestsPerDay" | "minuteShares">, perRequest: number): number {
  let hours = 0;
  for (let hour = 0; hour < 24; hour++) {
    const share = traffic.minuteShares.slice(hour * 60, hour * 60 + 60).reduce((sum, value) => sum + value, 0);
    hours += atLeastOne(traffic.requestsPerDay * share * perRequest);
  }
  return hours;
}

/**
 * Monthly estimate per service for the deployment and the traffic at list
 * prices, the same with the always-free allowances (for an account that runs
 * only this app), and the same traffic with DynamoDB on-demand and with an
 * HTTP API instead of REST.
 */
export function estimateMonthlyCost(facts: DeploymentFacts, traffic: TrafficAssumptions, prices: Prices) {
  const requestsPerMonth = traffic.requestsPerDay * DAYS_PER_MONTH;
  const perMonth = (perDay: number) => perDay * DAYS_PER_MONTH;
  const fn = (id: string) => facts.functions.find((candidate) => candidate.id === id);
  const gbSecondPrice = (id: string) => (fn(id)?.architecture === "x86_64" ? prices.lambda.perGbSecondX86_64 : prices.lambda.perGbSecondArm64);
  const gbSeconds = (id: string, invocations: number, durationMs: number) => (invocations * Math.ceil(durationMs) * (fn(id)?.memoryMb ?? 128)) / 1024 / 1000;

  const authorizer = facts.functions.find((candidate) => candidate.id === "Authorizer");
  const guard = facts.functions.find((candidate) => candidate.id === "CapacityGuard");
  const authorizerInvocations = perMonth(traffic.authorizerInvocationsPerDay);
  const guardInvocations = guard ? perMonth(facts.scheduledInvocationsPerDay) : 0;
  const sampling = facts.sampling ?? X_RAY_DEFAULT_RULE;
  const traced = facts.functions.some((candidate) => candidate.tracing);
  const tracesPerMonth = traced ? perMonth(tracesPerDay(traffic, sampling)) : 0;
  const tracedShare = requestsPerMonth > 0 ? tracesPerMonth / requestsPerMonth : 0;

  const lambda: CostLine[] = [
    line(
      "Lambda",
      "requests",
      (requestsPerMonth + authorizerInvocations + guardInvocations) / 1e6,
      "million requests",
      prices.lambda.perMillionRequests,
      "lambda.requests",
    ),
    ...traffic.routes.map((route) =>
      line(
        "Lambda",
        `${route.functionId} duration`,
        gbSeconds(route.functionId, requestsPerMonth * route.share, route.durationMs),
        "GB-s",
        gbSecondPrice(route.functionId),
        "lambda.gbSeconds",
      ),
    ),
    ...(authorizer
      ? [
          line(
            "Lambda",
            `${authorizer.id} duration`,
            gbSeconds(authorizer.id, authorizerInvocations, traffic.authorizerDurationMs),
            "GB-s",
            gbSecondPrice(authorizer.id),
            "lambda.gbSeconds",
          ),
        ]
      : []),
    ...(guard
      ? [
          line(
            "Lambda",
            `${guard.id} duration`,
            gbSeconds(guard.id, guardInvocations, traffic.guardDurationMs),
            "GB-s",
            gbSecondPrice(guard.id),
            "lambda.gbSeconds",
          ),
        ]
      : []),
  ];

  // Logs: one access log line a request; Lambda's own lines per invocation (REPORT longer when traced); what functions write.
  const functionLogBytes = traffic.routes.reduce((sum, route) => sum + route.share * route.functionLogBytes, 0);
  const invocationsPerRequest = 1 + authorizerInvocations / Math.max(requestsPerMonth, 1);
  const logBytesPerRequest =
    traffic.accessLogBytes + invocationsPerRequest * traffic.platformLogBytes + tracedShare * traffic.tracedReportBytes + functionLogBytes;
  const logGb = (requestsPerMonth * logBytesPerRequest) / 1024 ** 3;
  const storedLogGb = logGb * Math.min(facts.logRetentionDays / (365 / 12), 12);

  // Custom metrics: billed by the hour, only in hours they receive data.
  const emitted = new Map<string, number>();
  for (const route of traffic.routes) for (const metric of route.emits) emitted.set(metric, (emitted.get(metric) ?? 0) + route.share);
  const customMetricMonths = [...emitted.values()].reduce((sum, perRequest) => sum + metricHoursPerDay(traffic, perRequest) / 24, 0);

  const alarmMetrics = facts.alarms.reduce((sum, alarm) => sum + alarm.metrics, 0);
  const autoscalingAlarms = facts.dynamoDbTargetTrackingPolicies * ALARMS_PER_DYNAMODB_TARGET_TRACKING_POLICY;
  const storageGb = (traffic.storedUsers * traffic.averageItemKb) / (1024 * 1024);

  const cloudWatch: CostLine[] = [
    line("CloudWatch", "dashboards", facts.dashboards.length, "dashboard-months", prices.cloudWatch.perDashboardMonth, "cloudWatch.dashboards"),
    line(
      "CloudWatch",
      `alarm metrics of the stacks' ${facts.alarms.length} alarms`,
      alarmMetrics,
      "alarm metric-months",
      prices.cloudWatch.perAlarmMetricMonth,
      "cloudWatch.alarmMetrics",
    ),
    line(
      "CloudWatch",
      "alarms DynamoDB auto scaling creates",
      autoscalingAlarms,
      "alarm metric-months",
      prices.cloudWatch.perAlarmMetricMonth,
      "cloudWatch.alarmMetrics",
    ),
    ...(facts.compositeAlarms > 0
      ? [line("CloudWatch", "composite alarms", facts.compositeAlarms, "alarm-months", prices.cloudWatch.perCompositeAlarmMonth)]
      : []),
    line(
      "CloudWatch",
      `custom metrics (${[...emitted.keys()].join(", ")})`,
      customMetricMonths,
      "metric-months",
      prices.cloudWatch.perCustomMetricMonth,
      "cloudWatch.customMetrics",
    ),
    line("CloudWatch", "log ingestion", logGb, "GB", prices.cloudWatch.logsIngestionPerGb, "cloudWatch.logsGb"),
    line("CloudWatch", "log storage", storedLogGb, "GB-month", prices.cloudWatch.logsStoragePerGbMonth, "cloudWatch.logsGb"),
  ];

  const shared: CostLine[] = [
    ...lambda,
    line("DynamoDB", "storage", storageGb, "GB-month", prices.dynamoDb.storagePerGbMonth, "dynamoDb.storageGb"),
    line("DynamoDB", "point-in-time recovery", storageGb, "GB-month", prices.dynamoDb.pointInTimeRecoveryPerGbMonth),
    line("Secrets Manager", "secrets", facts.secrets, "secret-months", prices.secretsManager.perSecretMonth),
    line("Secrets Manager", "API calls", perMonth(traffic.secretsApiCallsPerDay) / 10_000, "10k calls", prices.secretsManager.perTenThousandApiCalls),
    ...cloudWatch,
    ...(traced
      ? [
          line(
            "X-Ray",
            `traces recorded (rule: ${sampling.reservoirPerSecond}/s, then ${100 * sampling.fixedRate} %)`,
            tracesPerMonth / 1e6,
            "million traces",
            prices.xRay.perMillionTracesRecorded,
            "xRay.tracesRecorded",
          ),
        ]
      : []),
    ...(guard
      ? [line("EventBridge", "scheduled capacity checks", guardInvocations / 1e6, "million invocations", prices.eventBridge.perMillionScheduledInvocations)]
      : []),
  ];
  const restApi = line("API Gateway", "REST API requests", requestsPerMonth / 1e6, "million requests", prices.apiGateway.restApiPerMillionRequests);
  const httpApi = line("API Gateway", "HTTP API requests", requestsPerMonth / 1e6, "million requests", prices.apiGateway.httpApiPerMillionRequests);
  const provisioned = [
    line(
      "DynamoDB",
      "provisioned reads (table and index)",
      perMonth(traffic.capacity.provisionedUnitHours.read),
      "RCU-hours",
      prices.dynamoDb.perRcuHour,
      "dynamoDb.readCapacityUnits",
    ),
    line(
      "DynamoDB",
      "provisioned writes (table and index)",
      perMonth(traffic.capacity.provisionedUnitHours.write),
      "WCU-hours",
      prices.dynamoDb.perWcuHour,
      "dynamoDb.writeCapacityUnits",
    ),
  ];
  const onDemand = [
    line(
      "DynamoDB",
      "on-demand read request units",
      perMonth(traffic.capacity.consumedUnits.read) / 1e6,
      "million RRU",
      prices.dynamoDb.onDemandPerMillionReadUnits,
    ),
    line(
      "DynamoDB",
      "on-demand write request units",
      perMonth(traffic.capacity.consumedUnits.write) / 1e6,
      "million WRU",
      prices.dynamoDb.onDemandPerMillionWriteUnits,
    ),
  ];
  const configured = summarize([restApi, ...shared, ...provisioned]);
  return {
    requestsPerMonth,
    logBytesPerRequest,
    tracesPerMonth,
    configured,
    alwaysFree: applyAlwaysFree(configured.lines, facts, prices),
    dynamoDbOnDemand: summarize([restApi, ...shared, ...onDemand]),
    httpApi: summarize([httpApi, ...shared, ...provisioned]),
    perMillionRequests: requestsPerMonth > 0 ? configured.total / (requestsPerMonth / 1e6) : Number.NaN,
  };
}

/**
 * The same lines less AWS's always-free allowances, each pool shared by the
 * lines that draw on it in order. A dashboard is free only with at most 50
 * metrics. An account that runs anything else shares these pools.
 */
export function applyAlwaysFree(lines: readonly CostLine[], facts: DeploymentFacts, prices: Prices): CostEstimate {
  const free = prices.alwaysFree;
  const freeDashboards = Math.min(
    free.cloudWatch.dashboards,
    facts.dashboards.filter((dashboard) => dashboard.metrics <= free.cloudWatch.metricsPerFreeDashboard).length,
  );
  const left: Record<FreePool, number> = {
    "lambda.requests": free.lambda.requests / 1e6,
    "lambda.gbSeconds": free.lambda.gbSeconds,
    "dynamoDb.readCapacityUnits": free.dynamoDb.readCapacityUnits * HOURS_PER_MONTH,
    "dynamoDb.writeCapacityUnits": free.dynamoDb.writeCapacityUnits * HOURS_PER_MONTH,
    "dynamoDb.storageGb": free.dynamoDb.storageGb,
    "cloudWatch.customMetrics": free.cloudWatch.customMetrics,
    "cloudWatch.alarmMetrics": free.cloudWatch.alarmMetrics,
    "cloudWatch.dashboards": freeDashboards,
    "cloudWatch.logsGb": free.cloudWatch.logsGb,
    "xRay.tracesRecorded": free.xRay.tracesRecorded / 1e6,
  };
  return summarize(
    lines.map((entry) => {
      if (!entry.pool) return entry;
      const covered = Math.min(entry.quantity, left[entry.pool]);
      left[entry.pool] -= covered;
      const quantity = entry.quantity - covered;
      return { ...entry, quantity, monthly: quantity * entry.unitPrice };
    }),
  );
}
