// A sweep's settings as one zod schema: the search space (per searched knob, a list of values or a
// range to draw from), the strategy, the settings every trial shares, their defaults, and the rules
// across fields (RANDOM needs maxTrials, a full grid has at most MAX_GRID combinations, a range has no
// grid). The API validates StartSweepInput with it (Pothos' validation plugin), the sweep CLI its flags
// and the dashboard its form, so all three refuse the same settings in the same words. Pure (zod, no
// tfjs): the dashboard bundles it.
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
import {
  byKnob,
  isRange,
  RANGE_FIELDS,
  RANGE_SCALES,
  type SearchRange,
  SPACE_FIELDS,
  SPACE_KNOBS,
  type SpaceField,
  type SpaceSettings,
  spaceSize,
} from "./searchSpace.ts";
import { halvingSchedule, type Rung } from "./successiveHalving.ts";

/** The reference assignment's own limit on a grid. */
export const MAX_GRID = 256;
/** Values one knob of the search space may list. */
export const MAX_VALUES = 64;
export const ETA = { min: 2, max: 16 } as const;
/** The training set a plan assumes before any trainer has loaded one: CIFAR-10's default split. */
export const ASSUMED_NUM_TRAIN = 40_000;

export const SWEEP_STRATEGIES = ["GRID", "RANDOM", "SUCCESSIVE_HALVING"] as const;

/** A range's scale when none is given: log-uniform, as learning rates and regularization are searched. */
export const DEFAULT_RANGE_SCALE: SearchRange["scale"] = "LOG";

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

/** A knob's values when it is left out: the decays have the reference's; the others must be given. */
export const defaultListOf = (knob: SpaceField): number[] | undefined =>
  knob === "learningRateDecays" ? [...SWEEP_DEFAULTS.learningRateDecays] : undefined;

/** How forms label each setting, and what it means (the API's docs, the CLI's help). */
export const SWEEP_FIELDS = {
  learningRates: { label: "Learning rates", about: "Learning rates to try (or learningRateRange)." },
  hiddenSizes: { label: "Hidden sizes", about: "Hidden sizes to try (or hiddenSizeRange)." },
  regs: { label: "Regularization strengths", about: "Regularization strengths to try (or regRange)." },
  learningRateDecays: { label: "LR decays", about: "Learning-rate decays to try (or learningRateDecayRange)." },
  numIters: { label: "Iterations per trial", about: "Iterations of a fully trained trial." },
  batchSize: { label: "Batch size", about: HYPERPARAMETERS.batchSize.about },
  maxTrials: {
    label: "Max trials (random / halving)",
    about:
      "RANDOM (required) and SUCCESSIVE_HALVING (optional; required with a range): how many combinations to sample, or trials to draw from the ranges.",
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

const spaceLists = byKnob((knob) => spaceList(SPACE_FIELDS[knob]));

/** How a range is described in help texts and in the error for text that is neither list nor range. */
export const RANGE_SYNTAX = "min..max, then log or linear (default log)";

/** A range of a knob: both ends valid values of it, min below max, a log scale above 0. */
function spaceRange(name: HyperparameterName) {
  return z
    .object({
      min: ruleOf(name),
      max: ruleOf(name),
      scale: withDefault(z.enum(RANGE_SCALES), DEFAULT_RANGE_SCALE),
    })
    .superRefine((r, ctx) => {
      if (r.max <= r.min)
        ctx.addIssue({ code: "custom", path: ["max"], message: `must be above min (${r.min}); got ${r.max}` });
      if (r.scale === "LOG" && r.min <= 0)
        ctx.addIssue({
          code: "custom",
          path: ["min"],
          message: `must be above 0 on a LOG scale (0 has no logarithm): use a small value such as 1e-6, or scale LINEAR; got ${r.min}`,
        });
    });
}

const spaceRanges = byKnob((knob) => spaceRange(SPACE_FIELDS[knob]));

/** An empty list beside its knob's range is the list left out (a client that always sends every field). */
function withoutEmptyListsBesideRanges(space: unknown): unknown {
  if (typeof space !== "object" || space === null) return space;
  const given = space as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(given).filter(([key, value]) => {
      const range = RANGE_FIELDS[key as SpaceField];
      return !(range && Array.isArray(value) && value.length === 0 && given[range] != null);
    }),
  );
}

/**
 * The space as the API receives it, each knob as a list or its range field, read into SpaceSettings.
 * A knob given both ways, or neither (but the decays, which have a default), is refused at its field.
 */
const spaceFields = z
  .object(
    Object.fromEntries(
      SPACE_KNOBS.flatMap((knob) => [
        [knob, spaceLists[knob].nullish()],
        [RANGE_FIELDS[knob], spaceRanges[knob].nullish()],
      ]),
    ) as { [K in SpaceField]: z.ZodType<number[] | null | undefined, unknown> } & {
      [K in SpaceField as (typeof RANGE_FIELDS)[K]]: z.ZodType<SearchRange | null | undefined, unknown>;
    },
  )
  .transform((given, ctx) => {
    const space: Partial<SpaceSettings> = {};
    for (const key of SPACE_KNOBS) {
      const list = given[key];
      const range = given[RANGE_FIELDS[key]];
      if (list && range)
        ctx.addIssue({
          code: "custom",
          path: [RANGE_FIELDS[key]],
          params: WHOLE,
          message: `give space.${key} (values to try) or space.${RANGE_FIELDS[key]} (a range to draw from), not both`,
        });
      else if (list || range) space[key] = list ?? range ?? undefined;
      else if (defaultListOf(key)) space[key] = defaultListOf(key);
      else
        ctx.addIssue({
          code: "custom",
          path: [key],
          params: WHOLE,
          message: `space.${key} is missing: give the values to try, or space.${RANGE_FIELDS[key]} to draw them from a range`,
        });
    }
    return space as SpaceSettings;
  });
const spaceInput = z.preprocess(withoutEmptyListsBesideRanges, spaceFields);

/** A knob as typed: comma-separated values, or a range (RANGE_SYNTAX), checked by the API's rules. */
function knobText(key: SpaceField) {
  const list = numberListText(spaceLists[key]);
  const range = spaceRange(SPACE_FIELDS[key]);
  return z.string().transform((raw, ctx): number[] | SearchRange => {
    const text = raw.trim();
    if (!text.includes("..")) {
      const parsed = list.safeParse(raw);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues)
        ctx.issues.push({ code: "custom", input: raw, message: issue.message, path: issue.path });
      return z.NEVER;
    }
    const match = /^(\S+?)\s*\.\.\s*(\S+?)(?:\s+(log|linear))?$/i.exec(text);
    const [min, max] = [match?.[1], match?.[2]].map((v) => (v === undefined || v === "" ? Number.NaN : Number(v)));
    if (!match || !Number.isFinite(min) || !Number.isFinite(max)) {
      ctx.issues.push({ code: "custom", input: raw, message: `must be a range ${RANGE_SYNTAX}; got "${text}"` });
      return z.NEVER;
    }
    const parsed = range.safeParse({ min, max, scale: match[3]?.toUpperCase() });
    if (parsed.success) return parsed.data;
    // The range's own field (min, max) leads the rule, after the knob's name: "Learning rates min must be …".
    for (const issue of parsed.error.issues)
      ctx.issues.push({ code: "custom", input: raw, message: `${issue.path.join(".")} ${issue.message}`.trim() });
    return z.NEVER;
  });
}

/** A knob's largest value: what the trial that needs the most memory takes. */
export const largestOf = (knob: number[] | SearchRange): number => (isRange(knob) ? knob.max : Math.max(...knob));

/** A space as the API takes it: each knob's list, or its range field. */
export type SpaceInput = { [K in SpaceField]?: number[] } & {
  [K in SpaceField as (typeof RANGE_FIELDS)[K]]?: SearchRange;
};

/** The API's input for settings: each knob as its list or its range field (what a form or the CLI sends). */
export function sweepInputOf<S extends { space: SpaceSettings }>(
  settings: S,
): Omit<S, "space"> & { space: SpaceInput } {
  const space = Object.fromEntries(
    Object.entries(settings.space).map(([key, knob]) => [isRange(knob) ? RANGE_FIELDS[key as SpaceField] : key, knob]),
  );
  return { ...settings, space };
}

/**
 * The rules across fields, on whatever parsed: they run even when some field failed, so that a form
 * shows every problem at once (a field that failed is skipped here). A knob's range is refused at the
 * field it was given in: `rangeFieldOf` names it (the API's learningRateRange, a form's learningRates).
 */
const acrossFields =
  (rangeFieldOf: (knob: SpaceField) => string) => (s: Record<string, unknown>, ctx: z.RefinementCtx) => {
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
    const given = (space ?? {}) as Record<string, unknown>;
    // A range is a range for these rules whether or not it passed its own (GRID has no use for any);
    // a typed knob that failed holds no value at all. The API's space is read into knobs only once
    // every field of it passed; until then a range is still under its own field (learningRateRange),
    // where the refusal names it.
    const isParsedRange = (knob: unknown) =>
      typeof knob === "object" && knob !== null && "min" in knob && "max" in knob;
    const ranged = SPACE_KNOBS.flatMap((knob) => [
      { holder: knob, field: rangeFieldOf(knob), knob },
      { holder: RANGE_FIELDS[knob], field: RANGE_FIELDS[knob], knob },
    ]).find(({ holder }) => isParsedRange(given[holder]));
    if (ranged && strategy === "GRID")
      ctx.addIssue({
        code: "custom",
        path: ["space", ranged.field],
        params: WHOLE,
        message: `GRID runs every combination of listed values, and a range has none: list the ${ranged.knob} to try, or use RANDOM or SUCCESSIVE_HALVING to draw maxTrials trials from the range`,
      });
    if (ranged && maxTrials === null && strategy === "SUCCESSIVE_HALVING")
      ctx.addIssue({
        code: "custom",
        path: ["maxTrials"],
        params: WHOLE,
        message: "a range is drawn from maxTrials times: set maxTrials, the number of trials to draw",
      });
    const lists = SPACE_KNOBS.map((k) => given[k]);
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
  };

const always = { when: () => true };

/** A sweep's settings as the API receives them: numbers and lists; left-out settings take SWEEP_DEFAULTS. */
export function sweepSettingsSchema(numTrain?: TrainingSetSize) {
  const d = SWEEP_DEFAULTS;
  return z
    .object({
      space: spaceInput,
      strategy: z.enum(SWEEP_STRATEGIES),
      numIters: withDefault(ruleOf("numIters"), d.numIters),
      batchSize: withDefault(ruleOf("batchSize", numTrain), d.batchSize),
      seed: withDefault(ruleOf("seed"), d.seed),
      weightScale: withDefault(ruleOf("weightScale"), d.weightScale),
      maxTrials: withDefault(maxTrialsRule, d.maxTrials),
      eta: withDefault(z.number(), d.eta),
      seeds: withDefault(seedsRule, d.seeds),
    })
    .superRefine(
      acrossFields((knob) => RANGE_FIELDS[knob]),
      always,
    );
}

/** The same settings as text fields (a form, the sweep CLI's flags): lists comma-separated, max trials may be blank. */
export function sweepSettingsTextSchema(numTrain?: TrainingSetSize) {
  const d = SWEEP_DEFAULTS;
  return z
    .object({
      space: z.object(
        byKnob((knob): z.ZodType<number[] | SearchRange, string | null | undefined> => {
          const fallback = defaultListOf(knob);
          return fallback ? withDefault(knobText(knob), fallback) : knobText(knob);
        }),
      ),
      strategy: z.enum(SWEEP_STRATEGIES),
      numIters: withDefault(numberText(ruleOf("numIters")), d.numIters),
      batchSize: withDefault(numberText(ruleOf("batchSize", numTrain)), d.batchSize),
      seed: withDefault(numberText(ruleOf("seed")), d.seed),
      weightScale: withDefault(numberText(ruleOf("weightScale")), d.weightScale),
      maxTrials: withDefault(optionalNumberText(maxTrialsRule), d.maxTrials),
      eta: withDefault(numberText(z.number()), d.eta),
      seeds: withDefault(seedsText, d.seeds),
    })
    .superRefine(
      acrossFields((knob) => knob),
      always,
    );
}

export type SweepSettings = z.output<ReturnType<typeof sweepSettingsSchema>>;

/** How many trials the settings start: every combination, or maxTrials of them (or of the draws from a range). */
export function trialCount(s: Pick<SweepSettings, "space" | "maxTrials">): number {
  const size = spaceSize(s.space);
  return s.maxTrials === null ? size : Math.min(s.maxTrials, size);
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
