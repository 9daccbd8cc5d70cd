// The checks only a live trainer can answer, made after an input passed its schema (which leaves the
// batch size to this, as "checked later"): the trainer's training set caps the batch size (the same
// rule, with the bound known; without a trainer, ≥ 1), and its memory caps what one run may need —
// refused now, with the estimate, rather than crashing the trainer later.

import type { Trainer } from "@trainql/db";
import { type BackendName, estimateTrainingMemory, formatBytes, stepsInSlices } from "@trainql/nn";
import { type Hyperparameters, ruleOf } from "@trainql/nn/hyperparameters";
import { type Problem, problemsOf } from "@trainql/nn/validation";
import { invalidInput } from "./errors.ts";

/** Where in the input each checked value came from (paths from the argument: ["input", "batchSize"]). */
export interface FitPaths {
  batchSize: string[];
  hiddenSize: string[];
}

/** Throws BAD_USER_INPUT when the batch size is out of bounds or the live trainer (if any) cannot train `hp`. */
export function checkTrainerFits(trainer: Trainer | null, hp: Hyperparameters, paths: FitPaths): void {
  const batch = ruleOf("batchSize", trainer?.numTrain ?? undefined).safeParse(hp.batchSize);
  const problems: Problem[] = problemsOf(batch.error?.issues ?? []).map((p) => ({ ...p, path: paths.batchSize }));
  // (The backend as the trainer registered it: one of BACKEND_NAMES.)
  const memory = estimateTrainingMemory(hp, { inSlices: !!trainer && stepsInSlices(trainer.backend as BackendName) });
  const allowed = trainer?.memoryBytes ? Number(trainer.memoryBytes) : null;
  if (problems.length === 0 && allowed !== null && memory.bytes > allowed) {
    const { params, batch, activations } = memory.parts;
    problems.push({
      path: paths.hiddenSize,
      whole: true,
      message:
        `this run needs about ${formatBytes(memory.bytes)} (parameters ${formatBytes(params)}, minibatch ${formatBytes(batch)}, ` +
        `activations ${formatBytes(activations)}) but a trainer allows ${formatBytes(allowed)} per run: lower hiddenSize or batchSize`,
    });
  }
  if (problems.length > 0) throw invalidInput(problems);
}
