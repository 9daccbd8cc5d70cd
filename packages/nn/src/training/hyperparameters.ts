// The knobs of one training run, their defaults and their valid ranges. Every entry point (CLI,
// GraphQL API, dashboard) validates through `validateHyperparameters`, so the rules live here once.
// No imports: the dashboard bundles this file for the browser (`@trainql/nn/hyperparameters`).

export interface Hyperparameters {
  hiddenSize: number;
  learningRate: number;
  /** Multiplies the learning rate after every epoch. */
  learningRateDecay: number;
  /** L2 strength: loss += reg · (ΣW1² + ΣW2²). */
  reg: number;
  batchSize: number;
  numIters: number;
  /** Standard deviation of the initial weights. */
  weightScale: number;
  seed: number;
}

/** What forms and tables call each knob (error messages for API clients use the field names). */
export const HYPERPARAMETER_LABELS: Readonly<Record<keyof Hyperparameters, string>> = {
  hiddenSize: "Hidden size",
  learningRate: "Learning rate",
  learningRateDecay: "LR decay",
  reg: "Regularization",
  batchSize: "Batch size",
  numIters: "Iterations",
  weightScale: "Weight scale",
  seed: "Seed",
};

/** The reference assignment's first run (its "debug the training" baseline). */
export const DEFAULT_HYPERPARAMETERS: Readonly<Hyperparameters> = {
  hiddenSize: 36,
  learningRate: 1e-2,
  learningRateDecay: 0.95,
  reg: 0.25,
  batchSize: 1000,
  numIters: 500,
  weightScale: 1e-4,
  seed: 0,
};

export const LIMITS = {
  hiddenSize: { min: 1, max: 8192 },
  numIters: { min: 1, max: 1_000_000 },
  seed: { min: 0, max: 2 ** 31 - 1 },
} as const;

export interface FieldError {
  field: keyof Hyperparameters;
  /** The whole message, naming the field by its code name: "hiddenSize must be …; got 0". */
  message: string;
  /** The rule alone ("must be an integer from 1 to 8192"), for a form that names the field by its label. */
  rule: string;
}

const isInt = (v: number) => Number.isInteger(v);
const finite = (v: number) => Number.isFinite(v);

/** Every problem with `hp`, each naming its field and the fix. Empty when valid. */
export function validateHyperparameters(hp: Hyperparameters, numTrain?: number): FieldError[] {
  const errors: FieldError[] = [];
  const check = (field: keyof Hyperparameters, ok: boolean, message: string) => {
    if (!ok) errors.push({ field, rule: message, message: `${field} ${message}; got ${hp[field]}` });
  };
  const { hiddenSize: h, numIters: it, seed: s } = LIMITS;
  check(
    "hiddenSize",
    isInt(hp.hiddenSize) && hp.hiddenSize >= h.min && hp.hiddenSize <= h.max,
    `must be an integer from ${h.min} to ${h.max}`,
  );
  check("learningRate", finite(hp.learningRate) && hp.learningRate > 0, "must be a finite number > 0");
  check(
    "learningRateDecay",
    finite(hp.learningRateDecay) && hp.learningRateDecay > 0 && hp.learningRateDecay <= 1,
    "must be a number in (0, 1]",
  );
  check("reg", finite(hp.reg) && hp.reg >= 0, "must be a finite number ≥ 0");
  const maxBatch = numTrain ?? Number.MAX_SAFE_INTEGER;
  check(
    "batchSize",
    isInt(hp.batchSize) && hp.batchSize >= 1 && hp.batchSize <= maxBatch,
    numTrain === undefined
      ? "must be an integer ≥ 1"
      : `must be an integer from 1 to ${numTrain} (the training set size)`,
  );
  check(
    "numIters",
    isInt(hp.numIters) && hp.numIters >= it.min && hp.numIters <= it.max,
    `must be an integer from ${it.min} to ${it.max}`,
  );
  check("weightScale", finite(hp.weightScale) && hp.weightScale > 0, "must be a finite number > 0");
  check("seed", isInt(hp.seed) && hp.seed >= s.min && hp.seed <= s.max, `must be an integer from ${s.min} to ${s.max}`);
  return errors;
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
