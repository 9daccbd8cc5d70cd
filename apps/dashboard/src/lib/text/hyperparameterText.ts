// A hyperparameter as every page prints it. Some are computed, not typed (a fork's learning rate is
// the parent's decayed: 0.01 · 0.95³ is 0.008573749999999999 in floating point), so six significant
// digits, which hold any value a person types, without the float noise; integers (sizes, lengths)
// exactly, grouped as every count on the pages is ("1,000,000": the run's header said "1,000,000"
// and its facts "1000000"), except a seed, which is a name more than a number.
import type { HyperparameterName } from "@trainql/nn/hyperparameters";
import { count } from "./count";

export function hyperparameterText(value: number, name?: HyperparameterName): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return name === "seed" ? String(value) : count(value);
  return String(Number(value.toPrecision(6)));
}
