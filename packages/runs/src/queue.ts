// The durable queue of work for trainers: graphile-worker's jobs in PostgreSQL. A job is added in the
// same transaction as the row it belongs to, so a run is never QUEUED without its job, or vice versa.
import type { Prisma } from "@trainql/db";

export const TASK = { train: "train", evaluate: "evaluate", advanceSweep: "advance-sweep" } as const;

export interface TrainJob {
  runId: string;
}
export interface EvaluateJob {
  runId: string;
}
export interface AdvanceSweepJob {
  sweepId: string;
}

type Tx = Pick<Prisma.TransactionClient, "$executeRaw">;

export async function enqueueTrain(tx: Tx, runId: string): Promise<void> {
  // The job key makes a second enqueue of the same run replace, not duplicate, the first.
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.train}, json_build_object('runId', ${runId}::text),
    job_key => ${`train:${runId}`}, max_attempts => 1)`;
}

export async function enqueueEvaluate(tx: Tx, runId: string): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.evaluate}, json_build_object('runId', ${runId}::text),
    job_key => ${`evaluate:${runId}`}, max_attempts => 1)`;
}

/** Drops a run's pending training job (a locked one is not retried). */
export async function removeTrainJob(tx: Tx, runId: string): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.remove_job(${`train:${runId}`})`;
}

/**
 * Asks a trainer to look at a sweep again (a trial ended). One queue per sweep runs these one at a
 * time, and the job key folds a burst of requests into one.
 */
export async function enqueueAdvanceSweep(tx: Tx, sweepId: string): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TASK.advanceSweep}, json_build_object('sweepId', ${sweepId}::text),
    queue_name => ${`sweep:${sweepId}`}, job_key => ${`sweep:${sweepId}`}, max_attempts => 5)`;
}
