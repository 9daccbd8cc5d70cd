// The hyperparameter space of a sweep. Each knob is a list of values or a range to draw from. A space
// of lists alone has a grid: GRID takes every combination, RANDOM a seeded sample of them without
// repeats. A space with a range has no grid: its trials are drawn, each knob independently.
import seedrandom from "seedrandom";
import { HYPERPARAMETERS, type HyperparameterName } from "../training/hyperparameters.ts";

/**
 * The knobs a sweep searches, each list of the space and the hyperparameter its values are. The one
 * place they are named: the space, its trials, the API's fields and the forms derive from it. Their
 * order is the grid's (learning rate outermost) and the order a random trial draws them in.
 */
export const SPACE_FIELDS = {
  learningRates: "learningRate",
  hiddenSizes: "hiddenSize",
  regs: "reg",
  learningRateDecays: "learningRateDecay",
} as const satisfies Record<string, HyperparameterName>;
export type SpaceField = keyof typeof SPACE_FIELDS;
export const SPACE_KNOBS = Object.keys(SPACE_FIELDS) as SpaceField[];

/** Per knob, the values to try: what a sweep's trials took. */
export type SearchSpace = Record<SpaceField, number[]>;

/** One combination: a value of each searched hyperparameter. */
export type Trial = { [K in SpaceField as (typeof SPACE_FIELDS)[K]]: number };

/** Something of each knob, in SPACE_FIELDS' order. */
export const byKnob = <T>(of: (knob: SpaceField) => T) =>
  Object.fromEntries(SPACE_KNOBS.map((knob) => [knob, of(knob)])) as Record<SpaceField, T>;

/** Each knob's range field in the API, beside its list (its hyperparameter's name + "Range"): give one of the two. */
export const RANGE_FIELDS = byKnob((knob) => `${SPACE_FIELDS[knob]}Range`) as {
  [K in SpaceField]: `${(typeof SPACE_FIELDS)[K]}Range`;
};

export const RANGE_SCALES = ["LOG", "LINEAR"] as const;
export type RangeScale = (typeof RANGE_SCALES)[number];

/**
 * Values drawn between min and max, both included: uniformly (LINEAR), or uniformly in their logarithm
 * (LOG), so that each decade gets as many trials as the next. CS231n draws learning rates and
 * regularization strengths this way (Bergstra & Bengio 2012: random beats a grid when few knobs
 * matter, since each trial tries a new value of every knob).
 */
export interface SearchRange {
  min: number;
  max: number;
  scale: RangeScale;
}

/** A sweep's space as asked for: per knob, values to try or a range to draw from. */
export type SpaceSettings = { [K in SpaceField]: number[] | SearchRange };

export const isRange = (knob: number[] | SearchRange): knob is SearchRange => !Array.isArray(knob);

/** Whether a knob's values are whole numbers (its hyperparameter's rule says): a range of it draws integers. */
export const isIntegerKnob = (knob: SpaceField): boolean => HYPERPARAMETERS[SPACE_FIELDS[knob]].rule.isInt;

export function gridSize(space: SearchSpace): number {
  return SPACE_KNOBS.reduce((n, knob) => n * space[knob].length, 1);
}

/** How many different trials a space holds: its grid, or Infinity with a range of real numbers. */
export function spaceSize(space: SpaceSettings): number {
  return SPACE_KNOBS.reduce((n, key) => {
    const knob = space[key];
    if (!isRange(knob)) return n * knob.length;
    return isIntegerKnob(key) ? n * (knob.max - knob.min + 1) : Number.POSITIVE_INFINITY;
  }, 1);
}

/** Every combination, in a fixed order (learning rate outermost). */
export function gridTrials(space: SearchSpace): Trial[] {
  return Array.from({ length: gridSize(space) }, (_, index) => gridTrial(space, index));
}

const seeded = (seed: number) => seedrandom.alea(`sweep:${seed}`);

/**
 * `count` distinct combinations, chosen by a seeded shuffle (same seed, same trials). The shuffle is
 * of indices into the grid, stopped after `count` swaps, the swapped ones kept in a map: a grid of 64
 * values per knob has 16.7 M combinations, which built as trials took an API request seconds and
 * gigabytes to sample from.
 */
export function randomTrials(space: SearchSpace, count: number, seed: number): Trial[] {
  const size = gridSize(space);
  const next = seeded(seed);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const trials: Trial[] = [];
  for (let i = 0; i < Math.min(count, size); i++) {
    const j = i + Math.floor(next() * (size - i));
    const picked = at(j);
    swapped.set(j, at(i));
    trials.push(gridTrial(space, picked));
  }
  return trials;
}

/** The grid's `index`-th combination, in gridTrials' order (learning rate outermost). */
function gridTrial(space: SearchSpace, index: number): Trial {
  // The innermost knob's digit changes fastest.
  let rest = index;
  const digits = [...SPACE_KNOBS].reverse().map((knob) => {
    const values = space[knob];
    const value = values[rest % values.length] as number;
    rest = Math.floor(rest / values.length);
    return [SPACE_FIELDS[knob], value];
  });
  return Object.fromEntries(digits.reverse()) as Trial;
}

/**
 * One value of `range`. Integers are drawn so that each of the range's is as likely as on a
 * continuous scale of its own width: uniformly among them (LINEAR), or log-uniformly over
 * [min − ½, max + ½] and then rounded (LOG), so the ends are not half as likely as the rest, as plain
 * rounding of a draw from [min, max] made them. Real numbers keep every digit.
 */
function drawFrom(range: SearchRange, next: () => number, integer: boolean): number {
  const u = next();
  const [min, max] = integer ? [range.min - 0.5, range.max + 0.5] : [range.min, range.max];
  const x =
    range.scale === "LOG" ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  return Math.min(range.max, Math.max(range.min, integer ? Math.round(x) : x));
}

/**
 * `count` distinct trials drawn at random (same seed, same trials): each ranged knob from its range,
 * each listed knob one of its values. A trial drawn twice is drawn again, so a space of few integers
 * gives at most `spaceSize` trials.
 */
export function drawTrials(space: SpaceSettings, count: number, seed: number): Trial[] {
  const next = seeded(seed);
  const pick = (key: SpaceField): number => {
    const knob = space[key];
    return isRange(knob)
      ? drawFrom(knob, next, isIntegerKnob(key))
      : (knob[Math.floor(next() * knob.length)] as number);
  };
  const wanted = Math.min(count, spaceSize(space));
  const trials: Trial[] = [];
  const seen = new Set<string>();
  // Bounded, so that an unlucky stream cannot loop for long; a few hundred draws fill any space allowed.
  for (let draws = 0; trials.length < wanted && draws < 1000 * wanted; draws++) {
    // Each knob drawn in SPACE_FIELDS' order: the order is part of what a seed draws.
    const trial = Object.fromEntries(SPACE_KNOBS.map((knob) => [SPACE_FIELDS[knob], pick(knob)])) as Trial;
    const key = Object.values(trial).join();
    if (seen.has(key)) continue;
    seen.add(key);
    trials.push(trial);
  }
  return trials;
}

/** A sweep's trials: the whole grid when `maxTrials` is null, else a sample of the grid or draws from the ranges. */
export function sweepTrials(space: SpaceSettings, maxTrials: number | null, seed: number): Trial[] {
  const ranged = Object.values(space).some(isRange);
  if (!ranged) {
    const lists = space as SearchSpace;
    return maxTrials === null ? gridTrials(lists) : randomTrials(lists, maxTrials, seed);
  }
  if (maxTrials === null) throw new Error("a space with a range needs maxTrials");
  return drawTrials(space, maxTrials, seed);
}

/** The values each knob took in `trials`, in ascending order: what a drawn space tried. */
export function valuesTried(trials: Trial[]): SearchSpace {
  return byKnob((knob) => [...new Set(trials.map((t) => t[SPACE_FIELDS[knob]]))].sort((a, b) => a - b));
}
