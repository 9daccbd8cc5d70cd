// The checks only the live trainers can answer, made after an input passed its schema (which leaves
// the batch size to this, as "checked later"): a trainer's training set caps the batch size, and its
// memory what one run may need. A run is admitted when one live trainer can train it (the queue hands
// it to that one: see trainerFleet.ts in @trainql/runs); refused now, with the estimate, rather than
// failed later. Only trainers with a data set loaded count, and for a fork or reproduction, which
// trains on its original's data set, only those with that one (trainersWithData, as the trainer that
// hands a job back judges too). Without a trainer, only the batch size's own bound (≥ 1).

import type { Hyperparameters } from "@trainql/nn/hyperparameters";
import {
  type DataIdentity,
  describeData,
  fleetFitProblems,
  NO_DATA,
  type TrainerCapacity,
  trainersWithData,
} from "@trainql/runs";
import { invalidInput } from "./errors.ts";

/** Where in the input each checked value came from (paths from the argument: ["input", "batchSize"]). */
export interface FitPaths {
  batchSize: string[];
  hiddenSize: string[];
}

/**
 * Throws BAD_USER_INPUT when no live trainer can train `hp` (with none, when the batch size is out of
 * bounds), or, for a run that must train on `data.identity`, when trainers are live and none has it.
 */
export function checkTrainerFits(
  live: readonly TrainerCapacity[],
  hp: Hyperparameters,
  paths: FitPaths,
  data?: { identity: DataIdentity; path: string[] },
): void {
  const trainers = trainersWithData(live, data?.identity ?? NO_DATA);
  // (A run with no data set yet, one that ended before they were recorded, goes on with any.)
  if (data && data.identity.dataFingerprint !== null && live.length > 0 && trainers.length === 0) {
    const theirs = [...new Set(live.map((t) => describeData(t)))].join("; ");
    throw invalidInput([
      {
        path: data.path,
        whole: true,
        message: `the run trains on ${describeData(data.identity)}, which no live trainer has (they have ${theirs}): start a trainer whose CIFAR10_DIR holds that data`,
      },
    ]);
  }
  const problems = fleetFitProblems(trainers, hp).map((p) => ({
    ...p,
    path: p.path[0] === "batchSize" ? paths.batchSize : paths.hiddenSize,
  }));
  if (problems.length > 0) throw invalidInput(problems);
}
