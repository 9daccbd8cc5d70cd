import type { Run } from "@trainql/db";
import { HYPERPARAMETER_NAMES, type Hyperparameters } from "@trainql/nn";

/** A run's hyperparameters: the Run columns named as the hyperparameters are. */
export function hyperparametersOf(run: Run): Hyperparameters {
  return Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, run[name]])) as Hyperparameters;
}
