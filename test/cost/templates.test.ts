import { authorizer, functionDefaults, routeList } from "@users-api/core";
import { describe, expect, it } from "vitest";
import { deploymentFacts, readTemplates } from "../../scripts/cost/templates.js";
import { stageSettings } from "../../stacks/stage-settings.js";
import { synthesized } from "../infra/helpers/synthesis.js";

describe("deploymentFacts of the synthesized prod templates", () => {
  it("finds every function with its memory and architecture, and the autoscaling bounds of the table and index", async () => {
    const { outdir } = await synthesized("prod");
    const settings = stageSettings("prod").database;

    const facts = deploymentFacts(readTemplates(outdir), [...routeList.map((route) => route.id), authorizer.id]);

    expect(facts.functions.map((fn) => fn.id).sort()).toEqual([...routeList.map((route) => route.id), authorizer.id].sort());
    for (const fn of facts.functions) expect(fn).toMatchObject({ memoryMb: functionDefaults.memorySize, architecture: "arm64", tracing: true });
    expect(facts.capacity).toEqual([
      { name: "table", ...settings.table, targetUtilizationPercent: settings.targetUtilizationPercent },
      { name: "index byCreatedAt", ...settings.indexes, targetUtilizationPercent: settings.targetUtilizationPercent },
    ]);
    expect(facts.dashboards).toBe(1);
    expect(facts.secrets).toBe(1);
    expect(facts.alarms).toBeGreaterThan(0);
  });
});
