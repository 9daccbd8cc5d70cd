// For tests and benchmarks of any package: a CIFAR-10 of any size, generated, and the run the
// benchmarks train.
import type { Hyperparameters } from "./training/hyperparameters.ts";

export * from "./data/syntheticCifar10.ts";

/** The reference's second run (lr 0.5, reg 1e-4, batch 1000), as the README's `pnpm train` examples: what the benchmarks train. */
export const referenceRun = (hiddenSize: number, numIters: number): Hyperparameters => ({
  hiddenSize,
  numIters,
  batchSize: 1000,
  learningRate: 0.5,
  learningRateDecay: 0.95,
  reg: 1e-4,
  weightScale: 1e-4,
  seed: 0,
});
