// A trainer process's settings, read once at start-up (main.ts): the database's and the run
// lease's variables (their packages own them), and the trainer's own.
import { createEnv } from "@t3-oss/env-core";
import { databaseVariables } from "@trainql/db/env";
import { intVariable, rejectEnv } from "@trainql/env";
import { engineVariables } from "@trainql/nn/cliEnv";
import { leaseVariables } from "@trainql/runs/env";

/**
 * A checkpoint of H = 512 costs a run ~0.4 s on 2 cores (bench:checkpoints: writing 6.3 MB through
 * PostgreSQL competes with training for the cores); one per 30 s keeps that near 1%, and a killed
 * trainer's run loses at most 30 s and an epoch.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_S = 30;

export const trainerVariables = {
  ...databaseVariables,
  ...leaseVariables,
  /** TRAIN_BACKEND, TRAINQL_BLAS, TRAINQL_BLAS_THREADS, CIFAR10_DIR, CIFAR10_RECORDS_PER_BATCH: the engine's. */
  ...engineVariables,
  /** Training runs this process trains at once. */
  TRAINER_CONCURRENCY: intVariable(1),
  /** Memory one run may use here, in MiB; unset: by backend (see trainer.ts). */
  TRAINER_MEMORY_MB: intVariable(0, 1).optional(),
  /**
   * The trainer's scheduling niceness (0 = the API's, 19 = lowest). Training is batch work and the
   * API serves people: on a machine where both compete for cores (a CPU trainer), the API's queries
   * and live events go first and training takes what is left, which is all of it when nobody asks.
   */
  TRAINER_NICE: intVariable(10, 0, 19),
  /**
   * How long a run that has trained waits in the queue for a live trainer with its data set, while
   * only trainers with other data are live, before one of them fails it: its own trainer may be
   * restarting (0: fail it at once).
   */
  RUN_DATA_WAIT_MS: intVariable(5 * 60_000, 0),
  /** A checkpoint at the first epoch boundary this long after the last (0: every epoch). */
  CHECKPOINT_INTERVAL_S: intVariable(DEFAULT_CHECKPOINT_INTERVAL_S, 0),
  /**
   * The most of a run's time, in percent, that its per-epoch weights images and epoch checkpoints
   * may take (100: at every epoch). See artifactPace.ts: at 2%, a 2-core CPU training H = 128 gets
   * them about every third epoch; a GPU's short epochs at H = 5012, every few dozen.
   */
  EPOCH_ARTIFACTS_PERCENT: intVariable(2, 1, 100),
};

export const readTrainerEnv = (source: NodeJS.ProcessEnv = process.env) =>
  createEnv({
    server: trainerVariables,
    runtimeEnv: source,
    emptyStringAsUndefined: true,
    onValidationError: rejectEnv(source),
  });
export type TrainerEnv = ReturnType<typeof readTrainerEnv>;
