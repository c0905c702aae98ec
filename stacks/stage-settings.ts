import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { LogLevel } from "../packages/core/src/api/routes.js";
import { defaultListSettings, type ListSettings } from "../packages/core/src/user/list-layout.js";

/**
 * Everything that differs between stages, as data. Stacks read a
 * {@link StageSettings}; only {@link stageSettings} looks at a stage's name.
 */

/** What kind of stage a name denotes. */
export type StageKind = "production" | "staging" | "development" | "personal" | "preview";

/** Provisioned capacity units: autoscaling keeps capacity between `min` and `max`. */
export interface CapacityBounds {
  readonly min: number;
  readonly max: number;
}

export interface ReadWriteBounds {
  readonly read: CapacityBounds;
  readonly write: CapacityBounds;
}

export interface DatabaseSettings {
  /**
   * Bounds for the table's own capacity. The minimum is what an idle day costs: size it to the traffic
   * (1 unit serves ~86,000 reads or writes a day), not to bursts, which the capacity guard answers.
   */
  readonly table: ReadWriteBounds;
  /** Bounds for each global secondary index. */
  readonly indexes: ReadWriteBounds;
  /** Target tracking keeps consumed/provisioned capacity near this percentage. */
  readonly targetUtilizationPercent: number;
  /** CloudFormation refuses to delete the table while this is on. */
  readonly deletionProtection: boolean;
  /**
   * How the list index keys users and whether functions keep the first page
   * (`packages/core/src/user/list-layout.ts`); functions get it as `USERS_LIST_SETTINGS` when not the default.
   */
  readonly listing: ListSettings;
}

/**
 * Alarms page on symptoms a caller feels, each watching as few metrics as it
 * can: CloudWatch bills every metric an alarm reads ($0.10 a month each).
 */
export interface AlarmSettings {
  /** Share of API requests answered 5XX, in percent, over one minute (every error, timeout and Lambda throttle ends as a 5XX). */
  readonly api5xxRatePercent: number;
  /** API p99 latency, in milliseconds, over five minutes. */
  readonly apiP99LatencyMs: number;
  /** Unexpected errors the handlers caught (a bug), within one minute; also gates canary deployments. */
  readonly unexpectedErrors: number;
  /** DynamoDB requests of the functions throttled (counted per attempt, retries included) within one minute. */
  readonly dynamoDbThrottledRequests: number;
  /** The capacity guard pages when capacity needed or provisioned reaches this percentage of the autoscaling maximum. */
  readonly capacityOfMaximumPercent: number;
}

/**
 * X-Ray records the traces an X-Ray sampling rule of the stage picks (API
 * Gateway decides at the edge, and the functions follow its decision).
 */
export interface TracingSettings {
  /** Requests traced each second before the rate applies (X-Ray's default rule: 1). */
  readonly reservoirPerSecond: number;
  /** Share of the other requests traced, in percent (X-Ray's default rule: 5). */
  readonly fixedRatePercent: number;
}

export interface ApiSettings {
  /** Stage-wide steady-state requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst of requests. */
  readonly throttleBurstLimit: number;
  /**
   * The one browser origin allowed by CORS, or `*` for any. One origin, because
   * API Gateway's own error responses can only carry a fixed header value.
   */
  readonly corsAllowOrigin: string;
}

/** How a new function version receives traffic. */
export type DeploymentStrategy =
  | { readonly kind: "allAtOnce" }
  /** CodeDeploy shifts `percent` of traffic, waits `minutes`, then the rest; alarms roll it back. */
  | { readonly kind: "canary"; readonly percent: number; readonly minutes: number };

/** A CloudWatch Logs retention, named as SST names it (`"two_weeks"`). */
export type LogRetention = Lowercase<keyof typeof RetentionDays>;

/** The CDK value of a {@link LogRetention}. */
export const retentionDays = (retention: LogRetention): RetentionDays => RetentionDays[retention.toUpperCase() as Uppercase<LogRetention>];

export interface StageSettings {
  readonly kind: StageKind;
  readonly database: DatabaseSettings;
  readonly alarms: AlarmSettings;
  readonly tracing: TracingSettings;
  readonly api: ApiSettings;
  /** Retention of every log group: functions and API access logs. */
  readonly logRetention: LogRetention;
  /** Powertools log level of every function. */
  readonly logLevel: LogLevel;
  /** What happens to data (table, secret, logs) when the stage is removed. */
  readonly removalPolicy: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  readonly deployment: DeploymentStrategy;
}

const developmentAlarms: AlarmSettings = {
  api5xxRatePercent: 5,
  apiP99LatencyMs: 3000,
  unexpectedErrors: 5,
  dynamoDbThrottledRequests: 10,
  capacityOfMaximumPercent: 90,
};

/**
 * The list settings for a stage past a few hundred user writes a second, when
 * one index key (`USERS`, 1,000 WCU) no longer takes every user write: 32 keys
 * rotating by 100-ms slots, and each function keeping the first page for a
 * second. `pnpm autoscaling --profile scale` checks it at 10,000 writes and
 * 50,000 reads a second. To switch a stage, append the layout with a `since`
 * after the deploy, e.g. `{ layouts: [...current, { since: "2027-03-01T00:00:00.000Z", ...HIGH_TRAFFIC_LAYOUT }], firstPageCacheMs: 1000 }`.
 */
export const HIGH_TRAFFIC_LAYOUT = { shards: 32, slotMs: 100 } as const;
export const HIGH_TRAFFIC_FIRST_PAGE_CACHE_MS = 1000;

/** Traces a few requests: enough to see where time goes, at a twentieth of X-Ray's price per request. */
const sampledTracing: TracingSettings = { reservoirPerSecond: 0, fixedRatePercent: 5 };

const development: StageSettings = {
  kind: "development",
  database: {
    table: { read: { min: 1, max: 10 }, write: { min: 1, max: 10 } },
    indexes: { read: { min: 1, max: 10 }, write: { min: 1, max: 10 } },
    targetUtilizationPercent: 70,
    deletionProtection: false,
    listing: defaultListSettings,
  },
  alarms: developmentAlarms,
  // Every request of a developer's own traffic, which is little.
  tracing: { reservoirPerSecond: 1, fixedRatePercent: 100 },
  api: { throttleRateLimit: 20, throttleBurstLimit: 40, corsAllowOrigin: "*" },
  logRetention: "two_weeks",
  logLevel: "DEBUG",
  removalPolicy: RemovalPolicy.DESTROY,
  deployment: { kind: "allAtOnce" },
};

const production: StageSettings = {
  kind: "production",
  database: {
    // ~3,000 requests a day use 2 % of one unit; bursts are met by burst capacity, target tracking and the capacity guard.
    table: { read: { min: 1, max: 400 }, write: { min: 1, max: 400 } },
    indexes: { read: { min: 1, max: 200 }, write: { min: 1, max: 200 } },
    targetUtilizationPercent: 70,
    deletionProtection: true,
    listing: defaultListSettings,
  },
  alarms: {
    api5xxRatePercent: 1,
    apiP99LatencyMs: 1000,
    unexpectedErrors: 1,
    dynamoDbThrottledRequests: 1,
    capacityOfMaximumPercent: 80,
  },
  tracing: sampledTracing,
  api: { throttleRateLimit: 500, throttleBurstLimit: 1000, corsAllowOrigin: "https://app.example.com" },
  logRetention: "three_months",
  logLevel: "INFO",
  removalPolicy: RemovalPolicy.RETAIN,
  deployment: { kind: "canary", percent: 10, minutes: 5 },
};

const staging: StageSettings = {
  ...production,
  kind: "staging",
  database: {
    table: { read: { min: 1, max: 50 }, write: { min: 1, max: 50 } },
    indexes: { read: { min: 1, max: 50 }, write: { min: 1, max: 50 } },
    targetUtilizationPercent: 70,
    deletionProtection: false,
    listing: defaultListSettings,
  },
  alarms: { ...production.alarms, unexpectedErrors: 3, dynamoDbThrottledRequests: 5 },
  api: { throttleRateLimit: 100, throttleBurstLimit: 200, corsAllowOrigin: "https://staging.app.example.com" },
  logRetention: "one_month",
  removalPolicy: RemovalPolicy.DESTROY,
  deployment: { kind: "allAtOnce" },
};

/** Pull-request previews: the least capacity AWS allows, short-lived logs, nothing kept. */
const preview: StageSettings = {
  ...development,
  kind: "preview",
  database: {
    table: { read: { min: 1, max: 5 }, write: { min: 1, max: 5 } },
    indexes: { read: { min: 1, max: 5 }, write: { min: 1, max: 5 } },
    targetUtilizationPercent: 70,
    deletionProtection: false,
    listing: defaultListSettings,
  },
  api: { throttleRateLimit: 10, throttleBurstLimit: 20, corsAllowOrigin: "*" },
  logRetention: "three_days",
};

const PREVIEW_STAGE = /^pr-\d+$/;

/**
 * Maps a stage name to its settings: `prod`, `staging` and `dev` by name,
 * `pr-<number>` to a pull-request preview, any other name to a developer's
 * personal stage (development settings).
 *
 * @example
 * stageSettings("pr-42").removalPolicy; // RemovalPolicy.DESTROY
 */
export function stageSettings(stage: string): StageSettings {
  if (stage === "prod") return production;
  if (stage === "staging") return staging;
  if (stage === "dev") return development;
  if (PREVIEW_STAGE.test(stage)) return preview;
  return { ...development, kind: "personal" };
}
