// Who owns a RUNNING run. A trainer claims a QUEUED run and gets a lease (a number that grows with
// every claim); it renews the run's heartbeat while it makes progress, and every write it makes
// checks that the run still carries its lease. A run whose heartbeat goes stale has no live owner:
// the reaper takes it back (re-queued from its checkpoint, or ended), and the old owner, should it
// wake up, finds its lease gone and writes nothing more.
import type { Prisma, SqlTx } from "@trainql/db";
import { rewindEpochHistory } from "./epochHistory.ts";
import { CHUNK } from "./lossStore.ts";

type Tx = Prisma.TransactionClient;

/** The run was taken from this trainer (it was silent too long, or the run was cancelled meanwhile). */
export class LeaseLostError extends Error {
  constructor(runId: string, lease: number) {
    super(`run ${runId} is no longer held under lease ${lease}: another owner or the reaper took it`);
    this.name = "LeaseLostError";
  }
}

/** Renews the heartbeat if the run still carries `lease`; throws LeaseLostError otherwise. */
export async function renewLease(tx: SqlTx, runId: string, lease: number): Promise<void> {
  // (Raw, so that sqlTransaction's writes renew it too; now() as the trainer's heartbeat loop does.)
  const count = await tx.$executeRaw`UPDATE "Run" SET "heartbeatAt" = now()
    WHERE id = ${runId}::uuid AND lease = ${lease} AND status = 'RUNNING'`;
  if (count !== 1) throw new LeaseLostError(runId, lease);
}

/**
 * Stamps the heartbeat with the time the transaction commits, as its last statement. renewLease, its
 * first, writes now(), the transaction's start, and holds the run's row till commit: a write that
 * took long (a 100 MB checkpoint on a slow link, a busy database) left the heartbeat that old, and
 * the reaper, waiting on the row meanwhile, then took the run from its live owner (CI saw it with the
 * tests' 4 s timeout).
 */
export async function heartbeatAtCommit(tx: SqlTx, runId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Run" SET "heartbeatAt" = clock_timestamp() WHERE id = ${runId}::uuid`;
}

/**
 * Drops what was stored past the run's checkpoint — losses and epochs of iterations the next owner
 * will compute again, bit for bit — so that every stored iteration and epoch stays there exactly once.
 * Returns the iteration to resume at.
 */
export async function rewindToCheckpoint(tx: Tx, runId: string): Promise<number> {
  const checkpoint = await tx.checkpoint.findUnique({ where: { runId }, select: { iteration: true } });
  const at = checkpoint?.iteration ?? 0;
  const chunk = Math.floor(at / CHUNK);
  const offset = at - chunk * CHUNK;
  await tx.$executeRaw`DELETE FROM "LossChunk" WHERE "runId" = ${runId}::uuid
    AND ("chunk" > ${chunk} OR ("chunk" = ${chunk} AND ${offset}::int = 0))`;
  await tx.$executeRaw`UPDATE "LossChunk" SET "losses" = substring("losses" FROM 1 FOR ${offset * 4}::int), "count" = ${offset}::int
    WHERE "runId" = ${runId}::uuid AND "chunk" = ${chunk} AND "count" > ${offset}::int`;
  // An epoch record at iteration `it` is taken after that iteration's update: it belongs to `it + 1`.
  await tx.epochMetric.deleteMany({ where: { runId, iteration: { gte: at } } });
  await rewindEpochHistory(tx, runId);
  // A span from `at` on trained nothing that is kept: the next owner starts its own there.
  await tx.backendSpan.deleteMany({ where: { runId, fromIteration: { gte: at } } });
  const best = await tx.epochMetric.aggregate({ where: { runId }, _max: { valAcc: true } });
  await tx.run.update({ where: { id: runId }, data: { iteration: at, bestValAcc: best._max.valAcc } });
  return at;
}

/**
 * Removes the queue job an owner was running, even while its (dead or cut-off) worker still holds
 * it: otherwise it stays locked for hours, then lingers as a failed job. Only this job: the owner's
 * worker pool may hold others (a trainer trains several runs at once, or evaluates one meanwhile),
 * which must stay locked — unlocked, a second trainer would run them too. As graphile-worker's own
 * completion does, the job's named queue is unlocked with it when this job's pool held it.
 */
export async function releaseJob(tx: Tx, jobId: bigint | null): Promise<void> {
  if (jobId === null) return;
  await tx.$executeRaw`WITH job AS (
      DELETE FROM graphile_worker._private_jobs WHERE id = ${jobId}::bigint RETURNING job_queue_id, locked_by)
    UPDATE graphile_worker._private_job_queues q SET locked_at = NULL, locked_by = NULL
    FROM job WHERE q.id = job.job_queue_id AND q.locked_by = job.locked_by`;
}
