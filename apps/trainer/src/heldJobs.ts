// The queue jobs this trainer's handlers hold, and the release of any other lock it holds.
//
// graphile-worker 0.17 sends a job's completion (or failure) without waiting for it, and retries it
// only on a few error codes: through a database restart it is lost, and the job stays locked by this
// trainer's worker pool. The trainer lives on and beats, so the reaper, which frees the locks of dead
// trainers, leaves it; graphile-worker frees it after 4 hours. Meanwhile the QUEUED run whose job it
// was waits (the reaper queues a run again only when it has no job), and a sweep's named queue,
// locked with its job, advances no more. So each heartbeat frees such locks.
import type { Db } from "@trainql/db";
import type { WorkerEvents } from "graphile-worker";

/**
 * How long a lock is kept with no handler holding it: a job just taken is locked before its handler
 * starts, and an ended one stays locked until its completion lands.
 */
export const LOCK_GRACE_MS = 60_000;

export class HeldJobs {
  private readonly running = new Set<string>();
  /** When each job's handler ended: its completion may still be on its way. */
  private readonly ended = new Map<string, number>();

  constructor(events: WorkerEvents) {
    events.on("job:start", ({ job }) => {
      this.ended.delete(job.id);
      this.running.add(job.id);
    });
    events.on("job:complete", ({ job }) => {
      this.running.delete(job.id);
      this.ended.set(job.id, Date.now());
    });
  }

  /** The ids of the jobs whose locks are this trainer's to keep. */
  ids(now = Date.now()): string[] {
    for (const [id, at] of this.ended) if (now - at > LOCK_GRACE_MS) this.ended.delete(id);
    return [...this.running, ...this.ended.keys()];
  }
}

/**
 * Unlocks the jobs locked by these worker pools for longer than `graceMs` that no handler holds
 * (`held`), and the named queues locked with them. A job so freed runs again where it has attempts
 * left (every task is safe to run twice); one without is left to the reaper, as any failed job.
 * Returns the freed jobs' keys (or ids), for the log.
 */
export async function releaseLostLocks(
  db: Db,
  workerIds: string[],
  held: string[],
  graceMs = LOCK_GRACE_MS,
): Promise<string[]> {
  if (workerIds.length === 0) return [];
  const freed = await db.$queryRaw<{ name: string }[]>`
    WITH lost AS (
      UPDATE graphile_worker._private_jobs SET locked_at = NULL, locked_by = NULL
      WHERE locked_by = ANY(${workerIds}::text[]) AND locked_at < now() - make_interval(secs => ${graceMs / 1000})
        AND id <> ALL(${held}::bigint[])
      RETURNING id, key, job_queue_id
    ), queues AS (
      UPDATE graphile_worker._private_job_queues q SET locked_at = NULL, locked_by = NULL
      FROM lost WHERE q.id = lost.job_queue_id AND q.locked_by = ANY(${workerIds}::text[])
      RETURNING q.id
    )
    SELECT coalesce(key, 'job ' || id::text) AS name FROM lost`;
  return freed.map((job) => job.name);
}
