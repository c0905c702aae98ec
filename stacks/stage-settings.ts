import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { LogLevel } from "../packages/core/src/api/routes.js";

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
  /** Bounds for the table's own capacity. */
  readonly table: ReadWriteBounds;
  /** Bounds for each global secondary index. */
  readonly indexes: ReadWriteBounds;
  /** Target tracking keeps consumed/provisioned capacity near this percentage. */
  readonly targetUtilizationPercent: number;
  /** CloudFormation refuses to delete the table while this is on. */
  readonly deletionProtection: boolean;
}

export interface AlarmSettings {
  /** Share of API requests answered 5XX, in percent, over one minute. */
  readonly api5xxRatePercent: number;
  /** API p99 latency, in milliseconds, over five minutes. */
  readonly apiP99LatencyMs: number;
  /** Unhandled errors of one function within one minute. */
  readonly functionErrors: number;
  /** Throttled invocations of one function within five minutes. */
  readonly functionThrottles: number;
  /** Read plus write throttle events of the table or an index within five minutes. */
  readonly dynamoDbThrottleEvents: number;
  /** Alarm when consumed capacity reaches this percentage of the autoscaling maximum. */
  readonly capacityOfMaximumPercent: number;
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
export const retentionDays = (retention: LogRetention): RetentionDays =>
  RetentionDays[retention.toUpperCase() as Uppercase<LogRetention>];

export interface StageSettings {
  readonly kind: StageKind;
  readonly database: DatabaseSettings;
  readonly alarms: AlarmSettings;
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
  functionErrors: 5,
  functionThrottles: 5,
  dynamoDbThrottleEvents: 10,
  capacityOfMaximumPercent: 90,
};

const development: StageSettings = {
  kind: "development",
  database: {
    table: { read: { min: 1, max: 10 }, write: { min: 1, max: 10 } },
    indexes: { read: { min: 1, max: 10 }, write: { min: 1, max: 10 } },
    targetUtilizationPercent: 70,
    deletionProtection: false,
  },
  alarms: developmentAlarms,
  api: { throttleRateLimit: 20, throttleBurstLimit: 40, corsAllowOrigin: "*" },
  logRetention: "two_weeks",
  logLevel: "DEBUG",
  removalPolicy: RemovalPolicy.DESTROY,
  deployment: { kind: "allAtOnce" },
};

const production: StageSettings = {
  kind: "production",
  database: {
    table: { read: { min: 5, max: 200 }, write: { min: 5, max: 100 } },
    indexes: { read: { min: 5, max: 100 }, write: { min: 5, max: 100 } },
    targetUtilizationPercent: 70,
    deletionProtection: true,
  },
  alarms: {
    api5xxRatePercent: 1,
    apiP99LatencyMs: 1000,
    functionErrors: 1,
    functionThrottles: 1,
    dynamoDbThrottleEvents: 1,
    capacityOfMaximumPercent: 80,
  },
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
    table: { read: { min: 2, max: 50 }, write: { min: 2, max: 50 } },
    indexes: { read: { min: 2, max: 50 }, write: { min: 2, max: 50 } },
    targetUtilizationPercent: 70,
    deletionProtection: false,
  },
  alarms: { ...production.alarms, functionErrors: 3, dynamoDbThrottleEvents: 5 },
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
