// The knobs of one training run: each one's rule (a zod schema), default, label, CLI flag and meaning,
// written here once. The API (Pothos' validation plugin), the CLIs, the dashboard's forms and `train`
// itself check values with the schemas below, so they accept the same values and refuse the rest in
// the same words. Pure (zod, no tfjs): the dashboard bundles it for the browser.
import { z } from "zod";
import { fieldOf, problemsOf, sentence } from "../validation/problems.ts";
import {
  fraction,
  integerAtLeast,
  integerFrom,
  nonNegativeNumber,
  positiveNumber,
  withDefault,
} from "../validation/rules.ts";
import { numberText } from "../validation/textInput.ts";

export interface Knob {
  /** What a valid value is; every failure reads "must be …; got <value>". */
  rule: z.ZodNumber;
  /** The reference assignment's first run (its "debug the training" baseline). */
  default: number;
  /** What forms and tables call it (API messages use the field's code name). */
  label: string;
  /** The train CLI's flag, without the dashes. */
  flag: string;
  /** What it does, for the API's docs and the CLI's help. */
  about: string;
}

/** Every hyperparameter. A new one is added here (and to the Run table, and to what uses it to train). */
export const HYPERPARAMETERS = {
  hiddenSize: {
    rule: integerFrom(1, 8192),
    default: 36,
    label: "Hidden size",
    flag: "hidden",
    about: "Units in the hidden layer.",
  },
  learningRate: {
    rule: positiveNumber(),
    default: 1e-2,
    label: "Learning rate",
    flag: "lr",
    about: "The SGD step size of the first epoch.",
  },
  learningRateDecay: {
    rule: fraction(),
    default: 0.95,
    label: "LR decay",
    flag: "lr-decay",
    about: "Multiplies the learning rate after every epoch.",
  },
  reg: {
    rule: nonNegativeNumber(),
    default: 0.25,
    label: "Regularization",
    flag: "reg",
    about: "L2 strength: loss += reg · (ΣW1² + ΣW2²).",
  },
  batchSize: {
    rule: integerAtLeast(1),
    default: 1000,
    label: "Batch size",
    flag: "batch",
    about: "Training images per SGD step, at most the training set size.",
  },
  numIters: {
    rule: integerFrom(1, 1_000_000),
    default: 500,
    label: "Iterations",
    flag: "iters",
    about: "SGD steps to train.",
  },
  weightScale: {
    rule: positiveNumber(),
    default: 1e-4,
    label: "Weight scale",
    flag: "weight-scale",
    about: "Standard deviation of the initial weights.",
  },
  seed: {
    rule: integerFrom(0, 2 ** 31 - 1),
    default: 0,
    label: "Seed",
    flag: "seed",
    about: "Seeds the initial weights and the order of the minibatches.",
  },
} as const satisfies Record<string, Knob>;

export type HyperparameterName = keyof typeof HYPERPARAMETERS;
export type Hyperparameters = Record<HyperparameterName, number>;

/** The names in their fixed order (the order forms show them and errors list them). */
export const HYPERPARAMETER_NAMES = Object.keys(HYPERPARAMETERS) as HyperparameterName[];

function eachKnob<T>(f: (knob: Knob, name: HyperparameterName) => T): Record<HyperparameterName, T> {
  return Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, f(HYPERPARAMETERS[name], name)])) as Record<
    HyperparameterName,
    T
  >;
}

/**
 * What a fork (a run trained on from another's checkpoint) may change, in its form's order; the rest
 * are its parent's. The checkpoint fixes the network's shape and the batch size the epochs' length:
 * those (FORK_INHERITED) may be given only as the parent's. The seed and weight scale are not asked for.
 */
export const FORK_CHANGES = [
  "learningRate",
  "learningRateDecay",
  "reg",
  "numIters",
] as const satisfies readonly HyperparameterName[];
export type ForkChange = (typeof FORK_CHANGES)[number];
export const FORK_INHERITED = ["hiddenSize", "batchSize"] as const satisfies readonly HyperparameterName[];

export const HYPERPARAMETER_LABELS: Readonly<Record<HyperparameterName, string>> = eachKnob((k) => k.label);
export const DEFAULT_HYPERPARAMETERS: Readonly<Hyperparameters> = eachKnob((k) => k.default);

/**
 * What is known of the training set, which bounds the batch size (a minibatch cannot hold more images
 * than there are): its size; nothing (only ≥ 1 is checked); or "checked later" by whoever learns it
 * (the API asks its live trainer after the input's schema has passed, and words the bound then).
 */
export type TrainingSetSize = number | undefined | "checked later";

/** A hyperparameter's rule, the batch size's as tight as `numTrain` allows. */
export function ruleOf(name: HyperparameterName, numTrain?: TrainingSetSize): z.ZodNumber {
  if (name !== "batchSize" || numTrain === undefined) return HYPERPARAMETERS[name].rule;
  return numTrain === "checked later" ? z.number() : integerFrom(1, numTrain, " (the training set size)");
}

/** A run's hyperparameters: any left out (or null) take their default; each must pass its rule. */
export function hyperparametersSchema(numTrain?: TrainingSetSize) {
  return z.object(eachKnob((k, name) => withDefault(ruleOf(name, numTrain), k.default)));
}

/** The same, from text as a CLI or a form has it ("fast" is refused as not a number). */
export function hyperparametersTextSchema(numTrain?: TrainingSetSize) {
  return z.object(eachKnob((k, name) => withDefault(numberText(ruleOf(name, numTrain)), k.default)));
}

export interface FieldError {
  field: HyperparameterName;
  /** Naming the field by its code name: "hiddenSize must be an integer from 1 to 8192; got 0". */
  message: string;
}

/** Every problem with `hp`, in the field order, each naming its field by its code name. Empty when valid. */
export function validateHyperparameters(hp: Hyperparameters, numTrain?: number): FieldError[] {
  const result = hyperparametersSchema(numTrain).safeParse(hp);
  return problemsOf(result.error?.issues ?? []).map((p) => ({
    field: fieldOf(p) as HyperparameterName,
    message: sentence(p, fieldOf(p)),
  }));
}

export class HyperparameterError extends RangeError {
  override name = "HyperparameterError";
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.message).join("; "));
  }
}

/** Iterations per epoch, as the reference: max(floor(numTrain / batchSize), 1). */
export function iterationsPerEpoch(numTrain: number, batchSize: number): number {
  return Math.max(Math.floor(numTrain / batchSize), 1);
}
