// What a sweep was asked to do, stored as its `config` JSON, and the plan derived from it.

import type { SweepStrategy } from "@trainql/db";
import {
  gridSize,
  gridTrials,
  halvingIterations,
  halvingSchedule,
  iterationsPerEpoch,
  type Rung,
  randomTrials,
  type SearchSpace,
  type Trial,
} from "@trainql/nn";

export interface SweepConfig {
  space: SearchSpace;
  numIters: number;
  batchSize: number;
  seed: number;
  weightScale: number;
  maxTrials: number | null;
  eta: number;
  /** Successive halving's rungs; a single full-budget rung for GRID and RANDOM. */
  rungs: Rung[];
  /** What the full grid would train: every combination for numIters. */
  gridIters: number;
  /** What this plan trains if every trial completes. */
  plannedIters: number;
}

export function planSweep(
  strategy: SweepStrategy,
  settings: Omit<SweepConfig, "rungs" | "gridIters" | "plannedIters">,
  numTrain: number,
): { config: SweepConfig; trials: Trial[] } {
  const { space, numIters, maxTrials, seed, eta } = settings;
  const trials = strategy === "GRID" || maxTrials === null ? gridTrials(space) : randomTrials(space, maxTrials, seed);
  // The first rung trains at least one epoch, so every trial has a validation accuracy to compare.
  const rungs =
    strategy === "SUCCESSIVE_HALVING"
      ? halvingSchedule(trials.length, numIters, eta, iterationsPerEpoch(numTrain, settings.batchSize))
      : [{ rung: 0, budget: numIters, trials: trials.length }];
  const config: SweepConfig = {
    ...settings,
    rungs,
    gridIters: gridSize(space) * numIters,
    plannedIters: halvingIterations(rungs),
  };
  return { config, trials };
}
