// The queue jobs this trainer's handlers hold, and the end of any other it still locks.
//
// graphile-worker 0.17 sends a job's completion (or failure) without waiting for it, and retries it
// only on a few error codes: through a database restart it is lost, and the job stays locked by this
// trainer's worker pool. The trainer lives on and beats, so the reaper, which frees the locks of dead
// trainers, leaves it; graphile-worker frees it after 4 hours. Meanwhile the QUEUED run whose job it
// was waits (the reaper queues a run again only when it has no job), and a sweep's named queue,
// locked with its job, advances no more. So each heartbeat ends such jobs as graphile-worker would
// have: it knows how their tasks ended.
import type { Db } from "@trainql/db";
import type { WorkerEvents } from "graphile-worker";

/**
 * How long a lock is left alone with no task running its job: a job just taken is locked before its
 * task starts, and an ended one stays locked until graphile-worker's write of its end lands.
 */
export const LOCK_GRACE_MS = 60_000;

/** How a task ended: its error's message, or null for a success. */
type Outcome = { at: number; error: string | null };

export class HeldJobs {
  private readonly running = new Set<string>();
  private readonly ended = new Map<string, Outcome>();

  constructor(events: WorkerEvents) {
    events.on("job:start", ({ job }) => {
      this.ended.delete(job.id);
      this.running.add(job.id);
    });
    events.on("job:complete", ({ job, error }) => {
      this.running.delete(job.id);
      this.ended.set(job.id, { at: Date.now(), error: error === undefined || error === null ? null : message(error) });
    });
  }

  /**
   * The jobs whose locks are this trainer's to keep (running, or ended within the grace), and how
   * the others' tasks ended (their error, or null): what graphile-worker's lost write would have said.
   */
  jobs(graceMs = LOCK_GRACE_MS, now = Date.now()): { held: string[]; outcomes: Map<string, string | null> } {
    const recent = (o: Outcome) => now - o.at <= graceMs;
    return {
      held: [...this.running, ...[...this.ended].filter(([, o]) => recent(o)).map(([id]) => id)],
      outcomes: new Map([...this.ended].filter(([, o]) => !recent(o)).map(([id, o]) => [id, o.error])),
    };
  }

  /** Forgets the outcomes `releaseLostLocks` has looked at (their jobs ended one way or the other). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.ended.delete(id);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)) || "failed";

/**
 * Ends the jobs locked by these worker pools for longer than `graceMs` that no task holds, as
 * graphile-worker would have: one whose task succeeded is deleted; one whose task failed is unlocked
 * with its error and graphile-worker's backoff (its next attempt, if it has one left); one whose task
 * never started (the reply to its fetch lost) is unlocked. The named queues locked with them are
 * unlocked. Returns what it did, for the log.
 */
export async function releaseLostLocks(
  db: Db,
  workerIds: string[],
  jobs: { held: string[]; outcomes: Map<string, string | null> },
  graceMs = LOCK_GRACE_MS,
): Promise<string[]> {
  if (workerIds.length === 0) return [];
  const succeeded = [...jobs.outcomes].filter(([, error]) => error === null).map(([id]) => id);
  const failed = [...jobs.outcomes].filter((entry): entry is [string, string] => entry[1] !== null);
  const ended = await db.$queryRaw<{ name: string; how: string }[]>`
    WITH lost AS (
      SELECT id FROM graphile_worker._private_jobs
      WHERE locked_by = ANY(${workerIds}::text[]) AND locked_at < now() - make_interval(secs => ${graceMs / 1000})
        AND id <> ALL(${jobs.held}::bigint[])
      FOR UPDATE
    ), failures AS (
      SELECT * FROM unnest(${failed.map(([id]) => id)}::bigint[], ${failed.map(([, error]) => error)}::text[]) AS f(id, error)
    ), completed AS (
      DELETE FROM graphile_worker._private_jobs j USING lost
      WHERE j.id = lost.id AND j.id = ANY(${succeeded}::bigint[])
      RETURNING j.id, j.key, j.job_queue_id, 'completed' AS how
    ), retried AS (
      UPDATE graphile_worker._private_jobs j
      SET last_error = failures.error, locked_at = NULL, locked_by = NULL,
        run_at = greatest(now(), j.run_at) + exp(least(j.attempts, 10)) * interval '1 second'
      FROM lost JOIN failures USING (id)
      WHERE j.id = lost.id
      RETURNING j.id, j.key, j.job_queue_id, 'failed' AS how
    ), unlocked AS (
      UPDATE graphile_worker._private_jobs j SET locked_at = NULL, locked_by = NULL
      FROM lost
      WHERE j.id = lost.id AND j.id <> ALL(${succeeded}::bigint[]) AND NOT EXISTS (SELECT 1 FROM failures WHERE failures.id = j.id)
      RETURNING j.id, j.key, j.job_queue_id, 'unlocked' AS how
    ), ended AS (
      SELECT * FROM completed UNION ALL SELECT * FROM retried UNION ALL SELECT * FROM unlocked
    ), queues AS (
      UPDATE graphile_worker._private_job_queues q SET locked_at = NULL, locked_by = NULL
      FROM ended WHERE q.id = ended.job_queue_id AND q.locked_by = ANY(${workerIds}::text[])
    )
    SELECT coalesce(key, 'job ' || id::text) AS name, how FROM ended`;
  return ended.map((job) => `${job.name} (${job.how})`);
}
