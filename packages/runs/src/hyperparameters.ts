import type { Run } from "@trainql/db";
import type { Hyperparameters } from "@trainql/nn";

/** A run's row holds its hyperparameters as columns of the same names. */
export function hyperparametersOf(run: Run): Hyperparameters {
  const { hiddenSize, learningRate, learningRateDecay, reg, batchSize, numIters, weightScale, seed } = run;
  return { hiddenSize, learningRate, learningRateDecay, reg, batchSize, numIters, weightScale, seed };
}
