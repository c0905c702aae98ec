import { stageSettings } from "../../../../stacks/stage-settings.js";
import type { Dimension } from "./consumption.js";
import { defaultGuardBehaviour, defaultScalingBehaviour, type CapacityBounds, type GuardBehaviour, type ScalingBehaviour } from "./model.js";

/** What the model needs from a stage: bounds per dimension and the scaling behaviour. */
export interface ModelSettings {
  readonly stage: string;
  readonly bounds: Readonly<Record<Dimension, CapacityBounds>>;
  readonly behaviour: ScalingBehaviour;
  /** The capacity guard; every stage deploys one (stacks/capacity-guard.ts). Absent: target tracking alone. */
  readonly guard?: GuardBehaviour;
}

/** The autoscaling the stacks configure for a stage, read from the same stage settings. */
export function modelSettingsFor(stage: string): ModelSettings {
  const { database } = stageSettings(stage);
  return {
    stage,
    bounds: {
      tableRead: database.table.read,
      tableWrite: database.table.write,
      indexRead: database.indexes.read,
      indexWrite: database.indexes.write,
    },
    behaviour: { ...defaultScalingBehaviour, targetUtilizationPercent: database.targetUtilizationPercent },
    guard: defaultGuardBehaviour,
  };
}
