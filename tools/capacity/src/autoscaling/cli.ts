import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { runCommand } from "@users-api/cli";
import { autoscalingUsage, parseAutoscalingArgs } from "./args.js";
import { renderChart } from "./chart.js";
import { loadProfile } from "./profiles.js";
import { autoscalingReport, formatAutoscalingSummary } from "./report.js";
import { modelSettingsFor } from "./settings.js";
import { simulateProfile } from "./simulation.js";
import { scaleChecksFor } from "./scale.js";
import { formatScaleCheck } from "./scale-report.js";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseAutoscalingArgs(argv);
  if (!args) {
    console.log(autoscalingUsage);
    return 0;
  }
  if (args.profile === "scale") {
    const check = scaleChecksFor(args.stage);
    await mkdir(args.out, { recursive: true });
    const reportFile = join(args.out, "autoscaling-scale.json");
    await writeFile(reportFile, `${JSON.stringify(check.checks, null, 2)}\n`);
    console.log(formatScaleCheck(check.checks, check.stage));
    console.log(`\nReport: ${reportFile}\nThe partition limits and the sources behind them: tools/capacity/autoscaling.md`);
    return check.checks.at(-1)!.withinLimits ? 0 : 1;
  }
  const profile = await loadProfile(args.profile, { mix: args.mix, burstMinutes: args.burstMinutes });
  const simulation = simulateProfile(profile, modelSettingsFor(args.stage));
  const name = basename(args.profile).replace(/\.json$/, "");
  await mkdir(args.out, { recursive: true });
  const chartFile = join(args.out, `autoscaling-${name}.svg`);
  const reportFile = join(args.out, `autoscaling-${name}.json`);
  await writeFile(chartFile, renderChart(simulation, `DynamoDB autoscaling model: profile ${name}`));
  await writeFile(reportFile, `${JSON.stringify(autoscalingReport(simulation, name), null, 2)}\n`);
  console.log(formatAutoscalingSummary(simulation, name));
  console.log(`\nChart:  ${chartFile}\nReport: ${reportFile} (per-minute series, scaling events, assumptions)`);
  console.log("The model's assumptions and the AWS documentation behind them: tools/capacity/autoscaling.md");
  return 0;
}

runCommand(() => main(process.argv.slice(2)), autoscalingUsage);
