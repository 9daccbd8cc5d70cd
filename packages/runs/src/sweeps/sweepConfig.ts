// What a sweep was asked to do, stored as its `config` JSON, and the plan derived from it.
import {
  gridSize,
  halvingIterations,
  isRange,
  type Rung,
  type SearchRange,
  type SearchSpace,
  sweepTrials,
  type Trial,
  valuesTried,
} from "@trainql/nn";
import { type SpaceField, type SweepSettings, sweepRungs } from "@trainql/nn/sweepRules";

/** The validated settings (the strategy is the sweep's own column) and the plan made from them. */
export interface SweepConfig extends Omit<SweepSettings, "strategy" | "space"> {
  /** Per knob, the values its trials take: the list given, or the values drawn from its range. */
  space: SearchSpace;
  /** The knobs drawn from a range, and their ranges (absent in sweeps stored before ranges existed). */
  ranges?: Partial<Record<SpaceField, SearchRange>>;
  /** Successive halving's rungs; a single full-budget rung for GRID and RANDOM. */
  rungs: Rung[];
  /** What the full grid would train: every combination for numIters; with a range, every trial drawn. */
  gridIters: number;
  /** What this plan trains if every trial completes. */
  plannedIters: number;
}

export function planSweep(settings: SweepSettings, numTrain: number): { config: SweepConfig; trials: Trial[] } {
  const { strategy, space, ...stored } = settings;
  const trials = sweepTrials(space, strategy === "GRID" ? null : settings.maxTrials, settings.seed);
  const rungs = sweepRungs(settings, trials.length, numTrain);
  // A listed knob keeps its list as given (a RANDOM sample may not try every value); a ranged one
  // lists what was drawn, beside its range.
  const tried: SearchSpace = valuesTried(trials);
  const ranges: Partial<Record<SpaceField, SearchRange>> = {};
  for (const key of Object.keys(space) as SpaceField[]) {
    const knob = space[key];
    if (isRange(knob)) ranges[key] = knob;
    else tried[key] = knob;
  }
  // With seeds every trial trains once per seed.
  const repeats = settings.seeds?.length ?? 1;
  const combinations = Object.keys(ranges).length > 0 ? trials.length : gridSize(tried);
  const config: SweepConfig = {
    ...stored,
    space: tried,
    ranges,
    rungs,
    gridIters: combinations * settings.numIters * repeats,
    plannedIters: halvingIterations(rungs) * repeats,
  };
  return { config, trials };
}
