// Which hyperparameters differ between runs, to label their curves by what was varied.
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "./types";

const KEYS = Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[];

export function differingKeys(runs: { hyperparameters: Hyperparameters }[]): (keyof Hyperparameters)[] {
  return KEYS.filter((k) => new Set(runs.map((r) => r.hyperparameters[k])).size > 1);
}

const SHORT: Record<keyof Hyperparameters, string> = {
  hiddenSize: "hidden",
  learningRate: "lr",
  learningRateDecay: "decay",
  reg: "reg",
  batchSize: "batch",
  numIters: "iters",
  weightScale: "std",
  seed: "seed",
};

export function labelFor(hp: Hyperparameters, keys: (keyof Hyperparameters)[], fallback: string): string {
  return keys.length === 0 ? fallback : keys.map((k) => `${SHORT[k]} ${hp[k]}`).join(", ");
}
