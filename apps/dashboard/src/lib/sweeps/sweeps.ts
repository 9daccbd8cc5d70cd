// Sweeps as the dashboard reads them: fragments of apps/server/schema.graphql, typed by gql.tada.
import { graphql, type ResultOf, type SweepStrategy } from "@trainql/graphql";
import { RANGE_FIELDS, SPACE_FIELDS, SPACE_KNOBS } from "@trainql/nn/searchSpace";
import { SweepGroupFields } from "@/lib/groups/groups";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import { HYPERPARAMETER_LABELS, HyperparametersFields } from "@/lib/types";

export type Strategy = SweepStrategy;
// A Record, so a strategy added to the schema fails the typecheck until it has a label.
export const STRATEGY_LABELS: Record<Strategy, string> = {
  GRID: "Grid",
  RANDOM: "Random",
  SUCCESSIVE_HALVING: "Successive halving",
};

// Unmasked: the trial list, the charts and the best-model card all read the same trial fields.
export const SweepTrialFields = graphql(
  `
  fragment SweepTrialFields on Run @_unmask {
    id uuid status iteration finalValAcc bestValAcc testAcc testError weightsImageUrl
    hyperparameters { ...HyperparametersFields }
  }
`,
  [HyperparametersFields],
);
export type SweepTrial = ResultOf<typeof SweepTrialFields>;

/** A sweep as its page shows it, first from the server and then from sweepEvents; read it with readFragment. */
export const SweepViewFragment = graphql(
  `
  fragment SweepView on Sweep {
    id uuid status strategy numIters batchSize eta maxTrials rung rungs { rung budget trials }
    itersSpent plannedIters gridIters error createdAt finishedAt
    space {
      learningRates hiddenSizes regs learningRateDecays
      learningRateRange { min max scale } hiddenSizeRange { min max scale }
      regRange { min max scale } learningRateDecayRange { min max scale }
    }
    bestRun { ...SweepTrialFields }
    trials { ...SweepTrialFields }
    seeds
    groups { ...SweepGroupFields } # with seeds: one per trial
  }
`,
  [SweepTrialFields, SweepGroupFields],
);
export type SweepView = ResultOf<typeof SweepViewFragment>;

/**
 * "12 trials", or with seeds "12 trials × 3 seeds": a trial is one configuration, as the sweep form
 * and the rungs count them, where the API's `Sweep.trials` lists each seed's run of it (with seeds,
 * the trials are its groups: a run deleted from one leaves the count whole).
 */
export function trialsText(sweep: {
  trials: readonly unknown[];
  seeds: readonly number[] | null;
  groups: readonly unknown[];
}): string {
  const seeds = sweep.seeds?.length ?? 0;
  return seeds === 0
    ? plural(sweep.trials.length, "trial")
    : `${plural(sweep.groups.length, "trial")} × ${plural(seeds, "seed")}`;
}

/** The knobs a sweep searches, as (field of a trial, label). */
export const SEARCHED = Object.values(SPACE_FIELDS).map((key) => ({ key, label: HYPERPARAMETER_LABELS[key] }));

/** Each searched knob of a sweep as its Plan lists it: its values, or the range they were drawn from. */
export function searchedKnobs(space: SweepView["space"]) {
  return SPACE_KNOBS.map((key) => {
    const range = space[RANGE_FIELDS[key]];
    const label = HYPERPARAMETER_LABELS[SPACE_FIELDS[key]];
    const text = range
      ? `${hyperparameterText(range.min)} … ${hyperparameterText(range.max)}, ${range.scale === "LOG" ? "log-uniform" : "uniform"} (${space[key].length} drawn)`
      : space[key].map((value) => hyperparameterText(value)).join(", ");
    return { key, hyperparameter: SPACE_FIELDS[key], label, text, range };
  });
}
