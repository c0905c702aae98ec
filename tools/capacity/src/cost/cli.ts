import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError, parseCommandLine, runCommand } from "@users-api/cli";
import { authorizer, routeList } from "@users-api/core";
import { CAPACITY_GUARD_ID } from "../../../../stacks/capacity-guard.js";
import { benchRequestShape } from "../autoscaling/consumption.js";
import { ALARMS_PER_DYNAMODB_TARGET_TRACKING_POLICY, Prices, estimateMonthlyCost, type CostEstimate, type DeploymentFacts } from "./model.js";
import { deploymentFacts, readTemplates } from "./templates.js";
import { ASSUMED_ACTIVE_KEYS, AUTHORIZER_SECRET_CACHE_SECONDS, METRIC_LINE_BYTES, capacityDay, defaultMix, defaultTraffic } from "./traffic.js";

const usage = "pnpm cost --stage <stage> [--requests-per-day 3000] [--templates <dir of *.template.json>]";
const money = (value: number) => `$${value.toFixed(2).padStart(9)}`;
const whole = (value: number) => Math.round(value).toLocaleString("en-US");

function printEstimate(title: string, estimate: CostEstimate) {
  console.log(`\n${title}: ${money(estimate.total)} / month`);
  for (const [service, monthly] of Object.entries(estimate.byService)) console.log(`  ${service.padEnd(16)} ${money(monthly)}`);
}

function printLines(estimate: CostEstimate) {
  for (const item of estimate.lines) {
    console.log(`  ${item.service.padEnd(16)} ${item.item.padEnd(62)} ${item.quantity.toFixed(3).padStart(12)} ${item.unit.padEnd(20)} ${money(item.monthly)}`);
  }
}

/** Everything the estimate rests on that is not read from the templates, with the open questions. */
function assumptions(
  facts: DeploymentFacts,
  requestsPerDay: number,
  traffic: ReturnType<typeof defaultTraffic>,
  transactionalIndexDelta: number,
  logBytes: number,
) {
  const alarmMetrics = facts.alarms.map((alarm) => `${alarm.id} ${alarm.metrics}`).join(", ");
  return [
    `Traffic: ${whole(requestsPerDay)} requests a day with a morning and an evening peak (the daily profile of pnpm autoscaling), mix ${Object.entries(
      defaultMix,
    )
      .map(([route, share]) => `${route} ${100 * share} %`)
      .join(", ")}.`,
    `DynamoDB: provisioned capacity is what the autoscaling model provisions replaying that day (target tracking and the capacity guard as the templates set them), with the benchmarks' ${benchRequestShape.sizes.userBytes}-byte users; 100,000 users stored.`,
    `Open question: AWS does not document how it bills the index write of an item written in a transaction (create, delete, email change). DynamoDB Local bills it at the transactional rate (2 WCU per KB), and so does this estimate; billed at 1 WCU per KB, the month would cost $${transactionalIndexDelta.toFixed(2)} less.`,
    `CloudWatch alarms are billed per metric they read: ${alarmMetrics}; DynamoDB auto scaling adds ${ALARMS_PER_DYNAMODB_TARGET_TRACKING_POLICY} alarms for each of the ${facts.dynamoDbTargetTrackingPolicies} target-tracking policies.`,
    `Custom metrics are billed only in hours they get data: each success metric for the hours of the day a request of its routes arrives (Poisson); ${traffic.failureMetrics.join(", ")} only when something fails, so 0 in a healthy month.`,
    `Logs: ${whole(logBytes)} bytes a request: the API access log line, Lambda's START/END/REPORT lines per invocation (REPORT longer when traced), a ${METRIC_LINE_BYTES}-byte metric line per change; stored as ingested for the retention (${facts.logRetentionDays} days).`,
    `Authorizer: API Gateway keeps its answer per key for ${authorizer.resultsCacheTtlSeconds} s; ${ASSUMED_ACTIVE_KEYS} keys in use: ${whole(traffic.authorizerInvocationsPerDay)} invocations a day. It keeps the key records ${AUTHORIZER_SECRET_CACHE_SECONDS} s per environment: ${whole(traffic.secretsApiCallsPerDay)} GetSecretValue calls a day.`,
    `Durations: ${traffic.measured ? "route p50 measured by pnpm bench (the local API's latency: more than Lambda bills)" : "assumed 40 ms a request (run pnpm bench to measure)"}.`,
    "Not priced: KMS requests of SSM SecureString reads at cold start, SNS deliveries, GetMetricData of the capacity guard (cents at most); X-Ray trace retrieval and Logs Insights queries are billed when someone looks.",
  ];
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      stage: { type: "string" },
      "requests-per-day": { type: "string", default: "3000" },
      templates: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(`Usage: ${usage}`);
    return 0;
  }
  if (!values.stage) throw new UsageError("--stage is required");
  const requestsPerDay = Number(values["requests-per-day"]);
  if (!Number.isFinite(requestsPerDay) || requestsPerDay < 0) throw new UsageError("--requests-per-day must be a non-negative number");

  let templatesDir = values.templates;
  let scratch: string | undefined;
  if (!templatesDir) {
    scratch = mkdtempSync(join(tmpdir(), "users-api-cost-"));
    const started = Date.now();
    console.log(`Synthesizing the ${values.stage} templates from the stacks (bundles every function; about 30 s)...`);
    const { synthesize } = await import("../../../../scripts/synth.js");
    await synthesize({ stage: values.stage, outdir: scratch, buildDir: join(scratch, "build") });
    console.log(`  done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    templatesDir = scratch;
  }
  try {
    const prices = Prices.parse(JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")));
    const facts = deploymentFacts(readTemplates(templatesDir), [...routeList.map((route) => route.id), authorizer.id, CAPACITY_GUARD_ID]);
    const traffic = defaultTraffic(facts, requestsPerDay);
    const estimate = estimateMonthlyCost(facts, traffic, prices);
    const standardIndexWrites = estimateMonthlyCost(
      facts,
      { ...traffic, capacity: capacityDay(facts, requestsPerDay, defaultMix, { ...benchRequestShape, transactionalIndexWrites: false }) },
      prices,
    );

    console.log(`users-api, stage ${values.stage}: ${whole(requestsPerDay)} requests/day (${whole(estimate.requestsPerMonth)} a month)`);
    console.log(`Prices: ${prices.region}, ${prices.currency}, list prices reviewed ${prices.reviewed} (tools/capacity/src/cost/prices.json)`);
    console.log(`Functions: ${facts.functions.map((fn) => `${fn.id} ${fn.memoryMb} MB ${fn.architecture}`).join(", ")}`);
    console.log(
      `DynamoDB: ${facts.capacity.map((c) => `${c.name} R ${c.read.min}-${c.read.max} W ${c.write.min}-${c.write.max} @${c.targetUtilizationPercent}%`).join("; ")}`,
    );
    console.log(
      `X-Ray: ${facts.sampling ? `the stage's sampling rule: ${facts.sampling.reservoirPerSecond}/s, then ${100 * facts.sampling.fixedRate} %` : "X-Ray's default rule"}: ${whole(estimate.tracesPerMonth)} traces a month`,
    );
    console.log(`Dashboards: ${facts.dashboards.map((dashboard) => `${dashboard.metrics} metrics`).join(", ")}`);
    console.log("\nAs configured (REST API, DynamoDB provisioned with autoscaling), at list prices:");
    printLines(estimate.configured);
    printEstimate("Total at list prices", estimate.configured);
    console.log(`Cost per million requests at ${whole(requestsPerDay)} a day: $${estimate.perMillionRequests.toFixed(2)}`);
    printEstimate("With AWS's always-free allowances, for an account that runs only this app", estimate.alwaysFree);
    printEstimate("Same traffic with DynamoDB on-demand", estimate.dynamoDbOnDemand);
    printEstimate("Same traffic with an HTTP API instead of REST", estimate.httpApi);
    console.log("\nAssumptions:");
    for (const assumption of assumptions(
      facts,
      requestsPerDay,
      traffic,
      estimate.configured.total - standardIndexWrites.configured.total,
      estimate.logBytesPerRequest,
    )) {
      console.log(`  - ${assumption}`);
    }
    console.log(
      "\nTrade-offs: on-demand has no idle minimum but costs more per request at steady load; an HTTP API is cheaper per\nrequest but lacks REST's request validation, usage plans, per-method throttling and gateway-response mapping.",
    );
    console.log(
      `\nEstimated: $${estimate.configured.total.toFixed(2)} a month at list prices for stage ${values.stage} at ${whole(requestsPerDay)} requests a day ($${estimate.alwaysFree.total.toFixed(2)} with the always-free allowances).`,
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return 0;
}

runCommand(() => main(process.argv.slice(2)), usage);
