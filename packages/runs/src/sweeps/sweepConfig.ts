// What a sweep was asked to do, stored as its `config` JSON, and the plan derived from it.
import {
  gridSize,
  halvingIterations,
  isRange,
  type SearchRange,
  type SearchSpace,
  sweepTrials,
  type Trial,
  valuesTried,
} from "@trainql/nn";
import { byKnob, RANGE_SCALES, SPACE_KNOBS, type SpaceField } from "@trainql/nn/searchSpace";
import { type SweepSettings, sweepRungs } from "@trainql/nn/sweepRules";
import { z } from "zod";

const count = z.number().int().nonnegative();

/**
 * The `config` JSON a sweep is stored with: the validated settings (the strategy is the sweep's own
 * column) and the plan made from them. It is read back through this schema, not cast: a sweep stored
 * before ranges or seeds existed reads with none, and a damaged one fails naming its field.
 */
export const sweepConfigSchema = z.object({
  /** Per knob, the values its trials take: the list given, or the values drawn from its range. */
  space: z.object(byKnob(() => z.array(z.number()))),
  /** The knobs drawn from a range, and their ranges. */
  ranges: z
    .partialRecord(z.enum(SPACE_KNOBS), z.object({ min: z.number(), max: z.number(), scale: z.enum(RANGE_SCALES) }))
    .default({}),
  /** Successive halving's rungs; a single full-budget rung for GRID and RANDOM. */
  rungs: z.array(z.object({ rung: count, budget: count, trials: count })).min(1),
  /** What the full grid would train: every combination for numIters; with a range, every trial drawn. */
  gridIters: count,
  /** What this plan trains if every trial completes. */
  plannedIters: count,
  numIters: count,
  batchSize: count,
  seed: z.number().int(),
  weightScale: z.number(),
  maxTrials: count.nullable(),
  eta: z.number(),
  seeds: z.array(z.number().int()).nullable().default(null),
} satisfies Record<
  keyof Omit<SweepSettings, "strategy" | "space"> | "space" | "ranges" | "rungs" | "gridIters" | "plannedIters",
  z.ZodType
>);
export type SweepConfig = z.output<typeof sweepConfigSchema>;

/** A sweep's stored config, read (see sweepConfigSchema); an error that names the sweep and the field when it is not one. */
export function readSweepConfig(sweep: { id: string; config: unknown }): SweepConfig {
  const parsed = sweepConfigSchema.safeParse(sweep.config);
  if (parsed.success) return parsed.data;
  throw new Error(`sweep ${sweep.id}'s stored config cannot be read: ${z.prettifyError(parsed.error)}`);
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
