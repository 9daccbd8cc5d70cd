// A sweep's settings as one zod schema: the search space (a list of values per searched knob), the
// strategy, the settings every trial shares, their defaults, and the rules across fields (RANDOM needs
// maxTrials, a full grid has at most MAX_GRID combinations). The API validates StartSweepInput with
// it (Pothos' validation plugin), the sweep CLI its flags and the dashboard its form, so all three
// refuse the same settings in the same words. Pure (zod, no tfjs): the dashboard bundles it.
import { z } from "zod";
import {
  DEFAULT_HYPERPARAMETERS,
  HYPERPARAMETERS,
  type HyperparameterName,
  iterationsPerEpoch,
  ruleOf,
  type TrainingSetSize,
} from "../training/hyperparameters.ts";
import { seedsRule, seedsText } from "../training/seeds.ts";
import { WHOLE } from "../validation/problems.ts";
import { integerFrom, withDefault } from "../validation/rules.ts";
import { numberListText, numberText, optionalNumberText } from "../validation/textInput.ts";
import type { SearchSpace } from "./searchSpace.ts";
import { halvingSchedule, type Rung } from "./successiveHalving.ts";

/** The reference assignment's own limit on a grid. */
export const MAX_GRID = 256;
/** Values one knob of the search space may list. */
export const MAX_VALUES = 64;
export const ETA = { min: 2, max: 16 } as const;
/** The training set a plan assumes before any trainer has loaded one: CIFAR-10's default split. */
export const ASSUMED_NUM_TRAIN = 40_000;

export const SWEEP_STRATEGIES = ["GRID", "RANDOM", "SUCCESSIVE_HALVING"] as const;
export type SweepStrategyName = (typeof SWEEP_STRATEGIES)[number];

/** The knobs a sweep searches: each list of the space and the hyperparameter its values are. */
export const SPACE_FIELDS = {
  learningRates: "learningRate",
  hiddenSizes: "hiddenSize",
  regs: "reg",
  learningRateDecays: "learningRateDecay",
} as const satisfies Record<keyof SearchSpace, HyperparameterName>;

/** What a sweep asks for when a setting is left out. Its trials train longer than a single run's default. */
export const SWEEP_DEFAULTS = {
  learningRateDecays: [DEFAULT_HYPERPARAMETERS.learningRateDecay],
  numIters: 1000,
  batchSize: DEFAULT_HYPERPARAMETERS.batchSize,
  seed: DEFAULT_HYPERPARAMETERS.seed,
  weightScale: DEFAULT_HYPERPARAMETERS.weightScale,
  maxTrials: null,
  eta: 3,
  seeds: null,
} as const;

/** How forms label each setting, and what it means (the API's docs, the CLI's help). */
export const SWEEP_FIELDS = {
  learningRates: { label: "Learning rates", about: "Learning rates to try." },
  hiddenSizes: { label: "Hidden sizes", about: "Hidden sizes to try." },
  regs: { label: "Regularization strengths", about: "Regularization strengths to try." },
  learningRateDecays: { label: "LR decays", about: "Learning-rate decays to try." },
  numIters: { label: "Iterations per trial", about: "Iterations of a fully trained trial." },
  batchSize: { label: "Batch size", about: HYPERPARAMETERS.batchSize.about },
  maxTrials: {
    label: "Max trials (random / halving)",
    about: "RANDOM (required) and SUCCESSIVE_HALVING (optional): how many combinations to sample.",
  },
  eta: {
    label: "eta (halving)",
    about: "SUCCESSIVE_HALVING: keep the best 1/eta at each rung, with eta× the budget.",
  },
  seed: { label: "Seed", about: "Initialises every trial (and chooses RANDOM's sample)." },
  seeds: {
    label: "Seeds (optional, comma-separated)",
    about:
      "Train each trial once per seed (a RunGroup per trial); trials are ranked, and successive halving promotes them, over all their seeds: groups whose every seed finished first, then by mean validation accuracy.",
  },
} as const;
export type SweepField = keyof typeof SWEEP_FIELDS;

const etaRule = integerFrom(ETA.min, ETA.max);
const maxTrialsRule = integerFrom(1, MAX_GRID);

/** A list of the space: each value a valid hyperparameter, repeats dropped, 1 to MAX_VALUES left. */
function spaceList(name: HyperparameterName) {
  const count = {
    error: (i: { input?: unknown }) => `needs 1 to ${MAX_VALUES} values; got ${(i.input as unknown[]).length}`,
  };
  return z
    .array(ruleOf(name))
    .transform((values) => [...new Set(values)])
    .pipe(z.array(z.number()).min(1, count).max(MAX_VALUES, count));
}

const spaceLists = {
  learningRates: spaceList("learningRate"),
  hiddenSizes: spaceList("hiddenSize"),
  regs: spaceList("reg"),
  learningRateDecays: spaceList("learningRateDecay"),
};

/**
 * The rules across fields, on whatever parsed: they run even when some field failed, so that a form
 * shows every problem at once (a field that failed is skipped here).
 */
function checkAcrossFields(s: Record<string, unknown>, ctx: z.RefinementCtx) {
  if (typeof s !== "object" || s === null) return;
  const { strategy, eta, maxTrials, space } = s;
  if (strategy === "SUCCESSIVE_HALVING" && typeof eta === "number") {
    const problem = etaRule.safeParse(eta).error?.issues[0];
    if (problem) ctx.addIssue({ code: "custom", path: ["eta"], message: problem.message });
  }
  if (maxTrials === null && strategy === "RANDOM")
    ctx.addIssue({
      code: "custom",
      path: ["maxTrials"],
      params: WHOLE,
      message: "RANDOM needs maxTrials: how many combinations to sample",
    });
  if (typeof maxTrials === "number" && strategy === "GRID")
    ctx.addIssue({
      code: "custom",
      path: ["maxTrials"],
      params: WHOLE,
      message: "GRID runs every combination; use RANDOM to sample maxTrials of them",
    });
  const lists = Object.keys(SPACE_FIELDS).map((k) => (space as Record<string, unknown> | undefined)?.[k]);
  if (maxTrials === null && lists.every(Array.isArray)) {
    const combinations = lists.reduce((n: number, l) => n * (l as unknown[]).length, 1);
    if (combinations > MAX_GRID)
      ctx.addIssue({
        code: "custom",
        path: ["space"],
        params: WHOLE,
        message: `the space has ${combinations} combinations; at most ${MAX_GRID} can run in full — use strategy RANDOM (or SUCCESSIVE_HALVING) with maxTrials ≤ ${MAX_GRID}, or fewer values`,
      });
  }
}

const always = { when: () => true };

/** A sweep's settings as the API receives them: numbers and lists; left-out settings take SWEEP_DEFAULTS. */
export function sweepSettingsSchema(numTrain?: TrainingSetSize) {
  const d = SWEEP_DEFAULTS;
  return z
    .object({
      space: z.object({
        ...spaceLists,
        learningRateDecays: withDefault(spaceLists.learningRateDecays, [...d.learningRateDecays]),
      }),
      strategy: z.enum(SWEEP_STRATEGIES),
      numIters: withDefault(ruleOf("numIters"), d.numIters),
      batchSize: withDefault(ruleOf("batchSize", numTrain), d.batchSize),
      seed: withDefault(ruleOf("seed"), d.seed),
      weightScale: withDefault(ruleOf("weightScale"), d.weightScale),
      maxTrials: withDefault(maxTrialsRule, d.maxTrials),
      eta: withDefault(z.number(), d.eta),
      seeds: withDefault(seedsRule, d.seeds),
    })
    .superRefine(checkAcrossFields, always);
}

/** The same settings as text fields (a form, the sweep CLI's flags): lists comma-separated, max trials may be blank. */
export function sweepSettingsTextSchema(numTrain?: TrainingSetSize) {
  const d = SWEEP_DEFAULTS;
  const list = (name: keyof typeof spaceLists) => numberListText(spaceLists[name]);
  return z
    .object({
      space: z.object({
        learningRates: list("learningRates"),
        hiddenSizes: list("hiddenSizes"),
        regs: list("regs"),
        learningRateDecays: withDefault(list("learningRateDecays"), [...d.learningRateDecays]),
      }),
      strategy: z.enum(SWEEP_STRATEGIES),
      numIters: withDefault(numberText(ruleOf("numIters")), d.numIters),
      batchSize: withDefault(numberText(ruleOf("batchSize", numTrain)), d.batchSize),
      seed: withDefault(numberText(ruleOf("seed")), d.seed),
      weightScale: withDefault(numberText(ruleOf("weightScale")), d.weightScale),
      maxTrials: withDefault(optionalNumberText(maxTrialsRule), d.maxTrials),
      eta: withDefault(numberText(z.number()), d.eta),
      seeds: withDefault(seedsText, d.seeds),
    })
    .superRefine(checkAcrossFields, always);
}

export type SweepSettings = z.output<ReturnType<typeof sweepSettingsSchema>>;

/** How many trials the settings start: every combination, or maxTrials of them. */
export function trialCount(s: Pick<SweepSettings, "space" | "maxTrials">): number {
  const combinations = Object.values(s.space).reduce((n, l) => n * l.length, 1);
  return s.maxTrials === null ? combinations : Math.min(s.maxTrials, combinations);
}

/**
 * The rungs of a sweep of `trials` trials: successive halving's (its first rung at least one epoch, so
 * every trial has a validation accuracy to compare), else a single full-budget rung.
 */
export function sweepRungs(s: SweepSettings, trials: number, numTrain: number): Rung[] {
  return s.strategy === "SUCCESSIVE_HALVING"
    ? halvingSchedule(trials, s.numIters, s.eta, iterationsPerEpoch(numTrain, s.batchSize))
    : [{ rung: 0, budget: s.numIters, trials }];
}
