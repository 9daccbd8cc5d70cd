import type { Run } from "@trainql/db";
import { HYPERPARAMETER_NAMES, type HyperparameterName, type Hyperparameters } from "@trainql/nn";

/**
 * A run's hyperparameters: the Run columns named as the hyperparameters are. It takes only those
 * columns, so a caller that selected just them (the API's `Run.hyperparameters`) can pass its row.
 */
export function hyperparametersOf(run: Pick<Run, HyperparameterName>): Hyperparameters {
  return Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, run[name]])) as Hyperparameters;
}
