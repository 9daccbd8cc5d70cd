// The durable queue of work for trainers: graphile-worker's jobs in PostgreSQL. A job is added in the
// same transaction as the row it belongs to, so a run is never QUEUED without its job, or vice versa.
import { runMigrations } from "graphile-worker";
import type { Prisma } from "../db/prisma.ts";

export const TASK = { train: "train", evaluate: "evaluate" } as const;

export interface TrainJob {
  runId: string;
}
export interface EvaluateJob {
  runId: string;
}

/** Creates graphile-worker's schema (idempotent): the API must be able to add jobs before any trainer starts. */
export async function prepareQueue(databaseUrl: string): Promise<void> {
  await runMigrations({ connectionString: databaseUrl, logger: undefined });
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
