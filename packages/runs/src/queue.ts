// The durable queue of work for trainers: graphile-worker's jobs in PostgreSQL. A job is added in the
// same transaction as the row it belongs to, so a run is never QUEUED without its job, or vice versa.
import type { Prisma } from "@trainql/db";
import type { Job } from "graphile-worker";
import { z } from "zod";

export const TASK = { train: "train", evaluate: "evaluate", advanceSweep: "advance-sweep" } as const;

/**
 * Each task's payload. A trainer checks it when the task starts (`parsePayload`): a job added by
 * hand, or by another version of us, fails with what is wrong instead of training run "undefined".
 */
export const PAYLOADS = {
  [TASK.train]: z.object({
    runId: z.uuid(),
    /** Since when the run has waited for a live trainer with its data set (see waitForData). */
    waitingSince: z.iso.datetime({ offset: true }).optional(),
  }),
  [TASK.evaluate]: z.object({ runId: z.uuid() }),
  [TASK.advanceSweep]: z.object({ sweepId: z.uuid() }),
} as const;
export type Task = keyof typeof PAYLOADS;

/**
 * Each job's key: a second enqueue of the same work replaces the first instead of adding another,
 * and the key is how a job is found again (to remove it, to see whether it is pending).
 */
export const JOB_KEY = {
  train: (runId: string) => `train:${runId}`,
  evaluate: (runId: string) => `evaluate:${runId}`,
  advanceSweep: (sweepId: string) => `sweep:${sweepId}`,
} as const;
export type Payload<T extends Task> = z.infer<(typeof PAYLOADS)[T]>;

export function parsePayload<T extends Task>(task: T, payload: unknown): Payload<T> {
  const parsed = PAYLOADS[task].safeParse(payload);
  if (!parsed.success)
    throw new Error(
      `a "${task}" job's payload ${JSON.stringify(payload)} is invalid: ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data as Payload<T>;
}

type Tx = Pick<Prisma.TransactionClient, "$executeRaw">;

// Job flags: graphile-worker skips, for each trainer, the jobs with any flag it forbids (see
// trainerFleet.ts for who forbids which).
/** A train job's flag: CPU trainers skip it while a GPU trainer has room. */
export const PREFERS_GPU = "prefers-gpu";
/** A train or evaluate job's flag: the trainer with this id cannot train (or evaluate) its run. */
export const unfitFlag = (trainerId: string) => `unfit:${trainerId}`;
const UNFIT_PREFIX = unfitFlag("");

/** A job's flags as graphile-worker gives them: an object's keys. */
export type JobFlags = Job["flags"];

/** The unfit flags among a job's. */
export const unfitFlagsOf = (flags: JobFlags | undefined) =>
  Object.keys(flags ?? {}).filter((flag) => flag.startsWith(UNFIT_PREFIX));

/**
 * Queues a run's training. `flags` tell trainers which of them should leave the job (see
 * trainerFleet.ts): by default, CPU trainers while a GPU trainer has room.
 */
export async function enqueueTrain(tx: Tx, runId: string, flags: string[] = [PREFERS_GPU]): Promise<void> {
  // The job key makes a second enqueue of the same run replace, not duplicate, the first (a job
  // locked by the trainer that enqueues it again is left to end, and a new one added).
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.train}, json_build_object('runId', ${runId}::text),
    job_key => ${JOB_KEY.train(runId)}, max_attempts => 1, flags => ${flags}::text[])`;
}

/**
 * Queues a run's training again in `delayMs`, for any trainer (the one that calls this too), noting
 * since when the run has waited for a live trainer with its data set: a trainer that takes it once the
 * wait is over fails it (runRouting.ts). `flags`: the trainers that handed it back before.
 */
export async function waitForData(
  tx: Tx,
  runId: string,
  flags: string[],
  waitingSince: Date,
  delayMs: number,
): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.train},
    json_build_object('runId', ${runId}::text, 'waitingSince', ${waitingSince.toISOString()}::text),
    job_key => ${JOB_KEY.train(runId)}, max_attempts => 1, flags => ${flags}::text[],
    run_at => now() + ${delayMs}::int * interval '1 millisecond')`;
}

/**
 * Asks for a run's test accuracy; an earlier evaluation's failure is forgotten (it may succeed now).
 * Evaluating twice is harmless, so a job whose trainer died mid-evaluation (the reaper unlocks it),
 * or that could not write its outcome through a long database outage, gets more attempts; out of
 * them, the reaper writes the failure (reaper.ts). `flags`: the trainers that handed it back.
 */
export async function enqueueEvaluate(tx: Tx, runId: string, flags: string[] = []): Promise<void> {
  await tx.$executeRaw`UPDATE "Run" SET "testError" = NULL WHERE id = ${runId}::uuid`;
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.evaluate}, json_build_object('runId', ${runId}::text),
    job_key => ${JOB_KEY.evaluate(runId)}, max_attempts => 3, flags => ${flags}::text[])`;
}

/**
 * Drops the pending jobs of runs (training and evaluation: a run cancelled or deleted), and of their
 * sweep when it is deleted too: one statement for a sweep's hundreds of trials. A locked one is left
 * to end, and not retried.
 */
export async function removeJobsOf(tx: Tx, runIds: string[], sweepId?: string): Promise<void> {
  const keys = [
    ...runIds.flatMap((id) => [JOB_KEY.train(id), JOB_KEY.evaluate(id)]),
    ...(sweepId ? [JOB_KEY.advanceSweep(sweepId)] : []),
  ];
  await tx.$executeRaw`SELECT graphile_worker.remove_job(key) FROM unnest(${keys}::text[]) AS key`;
}

/**
 * Asks a trainer to look at a sweep again (a trial ended). One queue per sweep runs these one at a
 * time, and the job key folds a burst of requests into one.
 */
export async function enqueueAdvanceSweep(tx: Tx, sweepId: string): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.advanceSweep}, json_build_object('sweepId', ${sweepId}::text),
    queue_name => ${JOB_KEY.advanceSweep(sweepId)}, job_key => ${JOB_KEY.advanceSweep(sweepId)}, max_attempts => 5)`;
}
