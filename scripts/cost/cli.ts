import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { authorizer, routeList } from "@users-api/core";
import { estimateMonthlyCost, Prices, type CostEstimate } from "./model.js";
import { deploymentFacts, readTemplates } from "./templates.js";
import { defaultTraffic } from "./traffic.js";

const usage = "pnpm cost --stage <stage> [--requests-per-day 3000] [--templates <dir of *.template.json>]";
const money = (value: number) => `$${value.toFixed(2).padStart(9)}`;

function printEstimate(title: string, estimate: CostEstimate) {
  console.log(`\n${title}: ${money(estimate.total)} / month`);
  for (const [service, monthly] of Object.entries(estimate.byService)) console.log(`  ${service.padEnd(16)} ${money(monthly)}`);
}

async function main() {
  const { values } = parseArgs({
    options: { stage: { type: "string" }, "requests-per-day": { type: "string", default: "3000" }, templates: { type: "string" } },
  });
  if (!values.stage) throw new Error(`--stage is required\n${usage}`);
  const requestsPerDay = Number(values["requests-per-day"]);
  if (!Number.isFinite(requestsPerDay) || requestsPerDay < 0) throw new Error("--requests-per-day must be a non-negative number");

  let templatesDir = values.templates;
  let scratch: string | undefined;
  if (!templatesDir) {
    scratch = mkdtempSync(join(tmpdir(), "users-api-cost-"));
    const { synthesize } = await import("../synth.js");
    await synthesize({ stage: values.stage, outdir: scratch, buildDir: join(scratch, "build") });
    templatesDir = scratch;
  }
  try {
    const prices = Prices.parse(JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")));
    const facts = deploymentFacts(readTemplates(templatesDir), [...routeList.map((route) => route.id), authorizer.id]);
    const traffic = defaultTraffic(requestsPerDay);
    const estimate = estimateMonthlyCost(facts, traffic, prices);

    console.log(`users-api, stage ${values.stage}: ${requestsPerDay} requests/day (${Math.round(estimate.requestsPerMonth)} a month)`);
    console.log(`Prices: ${prices.region}, ${prices.currency}, reviewed ${prices.reviewed}, no free tier (scripts/cost/prices.json)`);
    console.log(`Functions: ${facts.functions.map((fn) => `${fn.id} ${fn.memoryMb} MB ${fn.architecture}`).join(", ")}`);
    console.log(`Durations: ${traffic.measured ? "measured by pnpm bench" : "assumed 40 ms (run pnpm bench to measure)"}`);
    console.log(`DynamoDB: ${facts.capacity.map((c) => `${c.name} R ${c.read.min}-${c.read.max} W ${c.write.min}-${c.write.max} @${c.targetUtilizationPercent}%`).join("; ")}`);
    console.log("\nAs configured (REST API, DynamoDB provisioned with autoscaling):");
    for (const item of estimate.configured.lines) {
      console.log(`  ${item.service.padEnd(16)} ${item.item.padEnd(40)} ${item.quantity.toFixed(3).padStart(12)} ${item.unit.padEnd(18)} ${money(item.monthly)}`);
    }
    printEstimate("Total as configured", estimate.configured);
    printEstimate("Same traffic with DynamoDB on-demand", estimate.dynamoDbOnDemand);
    printEstimate("Same traffic with an HTTP API instead of REST", estimate.httpApi);
    console.log(
      "\nTrade-offs: on-demand has no idle minimum but costs more per request at steady load; an HTTP API is cheaper per\nrequest but lacks REST's request validation, usage plans, per-method throttling and gateway-response mapping.",
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
