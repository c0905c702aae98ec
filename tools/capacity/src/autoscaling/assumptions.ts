/** An AWS documentation page a rule of the model comes from. */
export interface Source {
  readonly title: string;
  readonly url: string;
}

export const sources = {
  burst: {
    title: "Amazon DynamoDB Developer Guide: Burst and adaptive capacity",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html",
  },
  autoScaling: {
    title: "Amazon DynamoDB Developer Guide: Managing throughput capacity automatically with DynamoDB auto scaling",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html",
  },
  autoScalingAlarms: {
    title: "AWS re:Post Knowledge Center: Why isn't DynamoDB auto scaling working as expected? (alarm periods)",
    url: "https://repost.aws/knowledge-center/dynamodb-auto-scaling",
  },
  targetTracking: {
    title: "Application Auto Scaling User Guide: How target tracking scaling for Application Auto Scaling works",
    url: "https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html",
  },
  quotas: {
    title: "Amazon DynamoDB Developer Guide: Quotas in Amazon DynamoDB (provisioned capacity decreases per day)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
  },
  capacityUnits: {
    title: "Amazon DynamoDB Developer Guide: DynamoDB read and write operations (capacity unit consumption)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html",
  },
  itemSizes: {
    title: "Amazon DynamoDB Developer Guide: Item sizes and formats",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html",
  },
  transactions: {
    title: "Amazon DynamoDB Developer Guide: Amazon DynamoDB Transactions: How it works (capacity management)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html",
  },
  gsi: {
    title: "Amazon DynamoDB Developer Guide: Using Global Secondary Indexes in DynamoDB (provisioned throughput considerations)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html",
  },
  ttl: {
    title: "Amazon DynamoDB Developer Guide: Using time to live (TTL) in DynamoDB",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html",
  },
  metrics: {
    title: "Amazon DynamoDB Developer Guide: DynamoDB Metrics and dimensions",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html",
  },
  noStepScaling: {
    title: "Application Auto Scaling API Reference: PutScalingPolicy (PolicyType: StepScaling is not supported for DynamoDB)",
    url: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html",
  },
  scalableTargetBounds: {
    title: "Application Auto Scaling User Guide: Application Auto Scaling concepts (RegisterScalableTarget brings capacity inside a new minimum and maximum)",
    url: "https://docs.aws.amazon.com/autoscaling/application/userguide/getting-started.html",
  },
  alarmActions: {
    title: "Amazon CloudWatch User Guide: Alarm actions (actions run on state transitions, not again while the state persists)",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html",
  },
  alarmLambdaAction: {
    title: "Amazon CloudWatch User Guide: Invoke a Lambda function from an alarm",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html",
  },
  partitionLimits: {
    title: "Amazon DynamoDB Developer Guide: Warm throughput scenarios (each partition is limited to 1,000 write units and 3,000 read units a second)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html",
  },
  hotPartitions: {
    title: "Amazon DynamoDB Developer Guide: Key range throughput exceeded (hot partitions), for tables and global secondary indexes",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html",
  },
  writeSharding: {
    title: "Amazon DynamoDB Developer Guide: Using write sharding to distribute workloads evenly",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-sharding.html",
  },
  gsiConsistency: {
    title: "Amazon DynamoDB Developer Guide: Using Global Secondary Indexes (reads are eventually consistent; updates propagate within a fraction of a second)",
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html",
  },
} as const satisfies Record<string, Source>;

export interface Assumption {
  readonly rule: string;
  /** Where it comes from; `null` for the model's own simplifications. */
  readonly source: Source | null;
}

/** Every rule of the model, in the order the docs explain them. */
export const assumptions: readonly Assumption[] = [
  {
    rule: "Each table and each global secondary index has its own provisioned read and write capacity and its own target-tracking policies, so the model runs four independent dimensions: table reads, table writes, index reads, index writes.",
    source: sources.autoScaling,
  },
  {
    rule: "Target tracking aims at consumed / provisioned = the target utilization (from the stage settings) and asks for new capacity = consumed / target, rounded up and clamped to the stage's min and max.",
    source: sources.targetTracking,
  },
  {
    rule: "Scale-out: the alarm fires when consumption is above the target for 2 consecutive one-minute datapoints.",
    source: sources.autoScalingAlarms,
  },
  {
    rule: "Scale-in: the alarm fires when consumption is 20 percentage points or more below the target for 15 consecutive one-minute datapoints.",
    source: sources.autoScalingAlarms,
  },
  {
    rule: "Alarm thresholds follow the capacity in effect; the datapoints are the consumed capacity CloudWatch reports per minute. Throttled requests consume nothing, so while throttled the alarm sees at most provisioned plus burst, and a large spike takes several scale-out steps.",
    source: sources.metrics,
  },
  {
    rule: "New capacity is usable 2 minutes after the alarm fires (CloudWatch metric delay, alarm evaluation, UpdateTable). AWS publishes no figure; this is an estimate and a parameter (scaleOutDelayMinutes, scaleInDelayMinutes).",
    source: null,
  },
  {
    rule: "Cooldowns are 0 s: the default for DynamoDB tables and indexes when the policy sets none (the stacks set none). A scale-out may replace a pending scale-in.",
    source: sources.targetTracking,
  },
  {
    rule: "Decreases are limited per UTC day: 4 at any time, then one more whenever no decrease happened in the past hour (at most 27 a day). Increases are not limited.",
    source: sources.quotas,
  },
  {
    rule: "Burst capacity: up to 300 seconds of unused provisioned capacity is kept and spent when demand exceeds the provisioned rate. AWS gives it on a best-effort basis; the model assumes all of it is available, and starts with a full balance.",
    source: sources.burst,
  },
  {
    rule: "Demand is spread evenly over each minute; throttled = demand above provisioned × 60 plus the burst balance. Real traffic within a minute is burstier, so real throttling can start earlier.",
    source: null,
  },
  {
    rule: "A throttled request counts once: SDK retries (which add demand) are not modelled; in the time profiles, adaptive capacity is assumed to spread load over partitions (the scale profile checks per-partition load instead).",
    source: sources.burst,
  },
  {
    rule: "Reads: a strongly consistent GetItem costs 1 RCU per 4 KB of item; a Query costs 1 RCU per 4 KB of all items returned, halved for eventually consistent reads (the only kind a global secondary index serves).",
    source: sources.capacityUnits,
  },
  {
    rule: "Writes: PutItem / UpdateItem / DeleteItem cost 1 WCU per KB of the larger of the old and new item. Item size is the UTF-8 length of attribute names plus values (numbers: 1 byte per 2 digits + 1; maps: 3 bytes + 1 per element).",
    source: sources.itemSizes,
  },
  {
    rule: "Transactions (create, delete, email change) write every item twice, prepare and commit: 2 WCU per KB per item.",
    source: sources.transactions,
  },
  {
    rule: "The index projects all attributes, so each user item write also writes its index copy (1 WCU per KB; the index keys never change, so an update is one index write, not a delete and a put). A table write is throttled when the table or the index lacks write capacity.",
    source: sources.gsi,
  },
  {
    rule: "Index copies of items written in a transaction are charged at the transactional rate (2 WCU per KB), as Amazon's DynamoDB Local reports them (pnpm bench). The guide does not say; it is a parameter (transactionalIndexWrites), and the cost report prints what 1 WCU per KB would save.",
    source: null,
  },
  {
    rule: "POST /users with an Idempotency-Key (every create, by default) also writes Powertools' record twice: PutItem in progress, then UpdateItem completed (1 WCU per KB each).",
    source: sources.capacityUnits,
  },
  {
    rule: "Expired idempotency records are deleted by TTL, which consumes no write capacity.",
    source: sources.ttl,
  },
  {
    rule: "DynamoDB takes no step scaling policy, so a faster response than target tracking's needs code: the capacity guard, a Lambda function the DynamoDbThrottled alarm invokes.",
    source: sources.noStepScaling,
  },
  {
    rule: "The DynamoDbThrottled alarm reads one one-minute datapoint of the functions' throttled requests (any table or index dimension) and acts only when its state changes: ALARM on the first throttled minute, OK on the first minute without.",
    source: sources.alarmActions,
  },
  {
    rule: "On ALARM the guard raises the autoscaling minimum of each dimension that throttled to that minute's demand (served plus refused) at the target utilization; Application Auto Scaling moves a capacity below a new minimum up to it at once. The model takes the guard's estimate to be the demand itself (throttle events times the average served request; SDK retries only raise it).",
    source: sources.scalableTargetBounds,
  },
  {
    rule: "The raised capacity is usable as many minutes after the alarm's datapoint as target tracking's (2): CloudWatch's evaluation, the asynchronous Lambda invocation and UpdateTable. An estimate, as for target tracking.",
    source: sources.alarmLambdaAction,
  },
  {
    rule: "On OK the guard puts the minimums back to the stage's setting; capacity stays until target tracking's scale-in alarm (15 minutes well below the target).",
    source: sources.scalableTargetBounds,
  },
  {
    rule: "Scale profile: one partition serves at most 3,000 RCU and 1,000 WCU a second, for a table and for a global secondary index, whatever capacity is provisioned; a partition key's items stay on one partition (split for heat on sort-key ranges is not relied on).",
    source: sources.partitionLimits,
  },
  {
    rule: "Scale profile: the busiest key of each kind is checked: the hottest user, an email guard, an idempotency record, and the list index key that takes the current time slot's creates, 1/shards of updates and deletes, and every list query (worst case).",
    source: sources.hotPartitions,
  },
  {
    rule: "Scale profile: spreading one key's writes over several keys by a computed suffix (write sharding) is DynamoDB's documented answer to a hot key; here the suffix is the time slot of creation, so one page still comes from one key.",
    source: sources.writeSharding,
  },
  {
    rule: "Scale profile: list reads are eventually consistent (the index's only kind); a function keeping the first page for a second adds at most that staleness, and reads the index at most once a second per warm environment (environments = rate × duration).",
    source: sources.gsiConsistency,
  },
];
