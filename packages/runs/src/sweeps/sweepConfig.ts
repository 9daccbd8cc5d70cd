// What a sweep was asked to do, stored as its `config` JSON, and the plan derived from it.
import { gridSize, gridTrials, halvingIterations, type Rung, randomTrials, type Trial } from "@trainql/nn";
import { type SweepSettings, sweepRungs } from "@trainql/nn/sweepRules";

/** The validated settings (the strategy is the sweep's own column) and the plan made from them. */
export interface SweepConfig extends Omit<SweepSettings, "strategy"> {
  /** Successive halving's rungs; a single full-budget rung for GRID and RANDOM. */
  rungs: Rung[];
  /** What the full grid would train: every combination for numIters. */
  gridIters: number;
  /** What this plan trains if every trial completes. */
  plannedIters: number;
}

export function planSweep(settings: SweepSettings, numTrain: number): { config: SweepConfig; trials: Trial[] } {
  const { strategy, ...stored } = settings;
  const { space, numIters, maxTrials, seed } = settings;
  const trials = strategy === "GRID" || maxTrials === null ? gridTrials(space) : randomTrials(space, maxTrials, seed);
  const rungs = sweepRungs(settings, trials.length, numTrain);
  // With seeds every trial trains once per seed.
  const repeats = settings.seeds?.length ?? 1;
  const config: SweepConfig = {
    ...stored,
    rungs,
    gridIters: gridSize(space) * numIters * repeats,
    plannedIters: halvingIterations(rungs) * repeats,
  };
  return { config, trials };
}
