// The trainers on one queue, GPU and CPU ones together (each joins by pointing at the same
// database), and which of them trains a run: one that can hold it, and a GPU trainer first.
//
// - Fit: a trainer's memory and training set bound what it can train (`fitProblems`). The API admits
//   a run that some live trainer can train; a trainer that takes the job of a run it cannot train
//   hands the job back flagged with its id (graphile-worker's job flags), so that it, and it alone,
//   skips the job from then on; or, when no live trainer can, fails the run saying why.
// - Data: a run that has trained goes on (resumed, forked, reproduced, evaluated) only on a trainer
//   with the same data set (`dataProblem`): elsewhere it would silently become another run.
// - GPU first: train jobs carry PREFERS_GPU (queue.ts has the flags), which a CPU trainer skips while a live GPU trainer has a
//   free slot. On a CPU the reference's run takes 20 minutes; on an H200, 22 seconds.
import type { Db, Trainer } from "@trainql/db";
import {
  BACKEND_NAMES,
  type BackendName,
  estimateTrainingMemory,
  formatBytes,
  minibatchBytes,
  mostMinibatchRows,
  PIXELS_PER_IMAGE,
  stepSliceRows,
  stepsOnHostThread,
  trainsOnGpu,
} from "@trainql/nn";
import type { Cifar10Dataset } from "@trainql/nn/data";
import { type Hyperparameters, ruleOf } from "@trainql/nn/hyperparameters";
import { type Problem, problemsOf } from "@trainql/nn/validation";
import { staleBefore, staleBeforeSql } from "./liveness.ts";
import { TASK } from "./queue.ts";

/** What the fit of a run depends on, as each trainer registers it. */
export type TrainerCapacity = Pick<
  Trainer,
  "id" | "backend" | "memoryBytes" | "maxBufferBytes" | "numTrain" | "numVal" | "dataFingerprint"
>;

/**
 * Which data: a trainer's data set, or the one a run trained on (null until its first trainer claims
 * it). The fingerprint is @trainql/nn's `Cifar10Dataset.fingerprint`; the sizes are for people.
 */
export type DataIdentity = Pick<Trainer, "dataFingerprint" | "numTrain" | "numVal">;

export const NO_DATA: DataIdentity = { dataFingerprint: null, numTrain: null, numVal: null };

/** The columns of a `DataIdentity` (a Prisma select). */
export const DATA_IDENTITY = { dataFingerprint: true, numTrain: true, numVal: true } as const;

/** The data identity of a run (to copy to its fork or reproduction) or a trainer, alone. */
export const dataOf = ({ dataFingerprint, numTrain, numVal }: DataIdentity): DataIdentity => ({
  dataFingerprint,
  numTrain,
  numVal,
});

/** A loaded data set's identity, as its trainer registers it. */
export const dataOfDataset = (data: Pick<Cifar10Dataset, "fingerprint" | "train" | "val">): DataIdentity => ({
  dataFingerprint: data.fingerprint,
  numTrain: data.train.n,
  numVal: data.val.n,
});

const count = (n: number | null) => n?.toLocaleString("en-US") ?? "?";
export const describeData = (data: DataIdentity): string =>
  data.dataFingerprint === null
    ? "no data set"
    : `data set ${data.dataFingerprint} (${count(data.numTrain)} training, ${count(data.numVal)} validation images)`;

/**
 * Why a trainer holding `has` cannot go on with a run that trains on `run`, worded for the run's error
 * should no live trainer have its data; undefined when it can, or when the run has no data set yet
 * (its first trainer's becomes its own; runs ended before data sets were recorded have none).
 * A run failed so can still be forked from a kept epoch, on a trainer with its data.
 */
export function dataProblem(has: DataIdentity, run: DataIdentity): string | undefined {
  if (run.dataFingerprint === null || has.dataFingerprint === run.dataFingerprint) return undefined;
  return `no live trainer has this run's data: it trains on ${describeData(run)}, and this trainer has ${describeData(has)}: start a trainer whose CIFAR10_DIR holds that data, then fork the run from a kept epoch, or start it anew`;
}

/**
 * The trainers that can go on with a run on `data`: those with a data set loaded (one whose data failed
 * to load trains nothing), and once the run has trained, only those with its data set.
 */
export const trainersWithData = <T extends TrainerCapacity>(trainers: readonly T[], data: DataIdentity): T[] =>
  trainers.filter((t) => t.numTrain !== null && dataProblem(t, data) === undefined);

/**
 * What keeps `trainer` from training `hp`, at the paths ["batchSize"] and ["hiddenSize"]: its training
 * set and its GPU's binding limit (the minibatch is one buffer) bound the batch size, and its memory
 * what one run may need (the estimate, in the message). With no trainer, only the batch size's own
 * bound (≥ 1).
 */
export function fitProblems(trainer: TrainerCapacity | null, hp: Hyperparameters): Problem[] {
  const batch = ruleOf("batchSize", trainer?.numTrain ?? undefined).safeParse(hp.batchSize);
  const problems = problemsOf(batch.error?.issues ?? []).map((p) => ({ ...p, path: ["batchSize"] }));
  if (problems.length > 0 || !trainer) return problems;
  // (The backend as the trainer registered it: one of BACKEND_NAMES.)
  const bufferLimit = stepsOnHostThread(trainer.backend as BackendName)
    ? undefined
    : Number(trainer.maxBufferBytes ?? Number.POSITIVE_INFINITY);
  if (bufferLimit !== undefined && minibatchBytes(hp.batchSize) > bufferLimit) {
    return [
      {
        path: ["batchSize"],
        whole: true,
        message: `a step on a ${trainer.backend} trainer holds the minibatch (batchSize × ${PIXELS_PER_IMAGE.toLocaleString("en-US")}) in one GPU buffer, ${formatBytes(minibatchBytes(hp.batchSize))}, and its GPU takes at most ${formatBytes(bufferLimit)} in one: lower batchSize to ${mostMinibatchRows(bufferLimit).toLocaleString("en-US")}`,
      },
    ];
  }
  if (!trainer.memoryBytes) return [];
  const memory = estimateTrainingMemory(hp, stepSliceRows(hp, bufferLimit));
  const allowed = Number(trainer.memoryBytes);
  if (memory.bytes <= allowed) return [];
  const { params, batch: rows, activations } = memory.parts;
  return [
    {
      path: ["hiddenSize"],
      whole: true,
      message:
        `this run needs about ${formatBytes(memory.bytes)} (parameters ${formatBytes(params)}, minibatch ${formatBytes(rows)}, ` +
        `activations ${formatBytes(activations)}) on a ${trainer.backend} trainer, which allows ${formatBytes(allowed)} per run: lower hiddenSize or batchSize`,
    },
  ];
}

/**
 * What keeps every one of `trainers` from training `hp`: none when one can; else what keeps the one
 * with the most memory from it (the nearest miss). With no trainer, the batch size's own bound.
 */
export function fleetFitProblems(trainers: readonly TrainerCapacity[], hp: Hyperparameters): Problem[] {
  if (trainers.length === 0) return fitProblems(null, hp);
  const largestFirst = [...trainers].sort((a, b) => Number((b.memoryBytes ?? 0n) - (a.memoryBytes ?? 0n)));
  let nearest: Problem[] | undefined;
  for (const trainer of largestFirst) {
    const problems = fitProblems(trainer, hp);
    if (problems.length === 0) return [];
    nearest ??= problems;
  }
  return nearest ?? [];
}

/** Trainers seen within `timeoutMs` (on the database's clock), the most recently seen first. */
export async function liveTrainers(db: Db, timeoutMs: number): Promise<Trainer[]> {
  return db.trainer.findMany({
    where: { lastSeenAt: { gt: await staleBefore(db, timeoutMs) } },
    orderBy: { lastSeenAt: "desc" },
  });
}

const GPU_BACKENDS: string[] = BACKEND_NAMES.filter(trainsOnGpu);

/**
 * Whether a live GPU trainer with a data set holds fewer train jobs than it may at once (its
 * concurrency). Counted in jobs, not RUNNING runs: a trainer reloading a lost GPU holds jobs whose
 * runs wait QUEUED, and one without data fails every run at once; neither has room.
 */
export async function gpuTrainerHasRoom(db: Db, timeoutMs: number): Promise<boolean> {
  const [row] = await db.$queryRaw<{ room: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "Trainer" t
      WHERE t."lastSeenAt" > ${staleBeforeSql(timeoutMs)} AND t.backend = ANY(${GPU_BACKENDS})
        AND t."numTrain" IS NOT NULL
        AND t.concurrency > (SELECT count(*) FROM graphile_worker.jobs j
          WHERE j.task_identifier = ${TASK.train} AND j.locked_by = ANY(t."workerIds"))) AS room`;
  return row?.room ?? false;
}
