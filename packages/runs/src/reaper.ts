// Takes back runs that no live owner is making progress on. A trainer renews the heartbeat of each
// run it trains while that run moves; a RUNNING run whose heartbeat is older than the timeout (its
// trainer killed, hung, or cut off from the database) is re-queued, and any trainer resumes it from
// its last checkpoint — up to `maxAttempts` attempts in all, then it FAILS with every attempt's
// reason. A cancel asked of such a run ends it at once. Trainers that stopped beating are forgotten,
// jobs that failed for good are removed from the queue, jobs a dead trainer held are unlocked, a
// QUEUED run left without a job (a trainer took the job but could not reach the database to claim
// the run) gets a new one, and so do a run that every live trainer handed back and a sweep left with
// no trial running and no job to advance it.
import type { Db, Run } from "@trainql/db";
import { publishRunNotification, publishSweepChanged } from "./events/publish.ts";
import { staleBefore } from "./liveness.ts";
import { enqueueAdvanceSweep, enqueueEvaluate, enqueueTrain, PAYLOADS, TASK, unfitFlag } from "./queue.ts";
import { releaseJob } from "./runLease.ts";
import { recordTestFailure } from "./testOutcome.ts";

export interface ReapPolicy {
  /** A RUNNING run whose heartbeat is older than this has no live owner. */
  timeoutMs: number;
  /** Attempts a run gets in all (the first included) before it fails. */
  maxAttempts: number;
}

export interface Reaped {
  requeued: string[];
  ended: string[];
}

export async function reapOrphanedRuns(
  db: Db,
  policy: ReapPolicy,
  log: (line: string) => void = () => {},
): Promise<Reaped> {
  const cutoff = await staleBefore(db, policy.timeoutMs);
  const reaped: Reaped = { requeued: [], ended: [] };
  const candidates = await db.run.findMany({
    where: { status: "RUNNING", OR: [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null }] },
    select: { id: true },
  });
  for (const { id } of candidates) {
    await db.$transaction(async (tx) => {
      // Judge on the row as it is now, locked: the owner may have beaten since we looked.
      const [run] = await tx.$queryRaw<(Run & { silentMs: number | null })[]>`
        SELECT *, (EXTRACT(EPOCH FROM now() - "heartbeatAt") * 1000)::float8 AS "silentMs"
        FROM "Run" WHERE id = ${id}::uuid FOR UPDATE`;
      if (run?.status !== "RUNNING" || (run.heartbeatAt && run.heartbeatAt >= cutoff)) return;
      const owner = run.trainerId ? await tx.trainer.findUnique({ where: { id: run.trainerId } }) : null;
      // Stored with the run, which any reader of the API sees: the trainer by its id alone. Where it
      // ran (host, pid) goes to the log, for the operator. The silence as a length, not a timestamp:
      // a reader in any time zone sees how long the trainer was gone.
      const reason =
        `attempt ${run.interruptions.length + 1}: trainer ${run.trainerId ?? "?"} stopped making progress at ` +
        `iteration ${run.iteration}; ${run.silentMs === null ? "it never sent a heartbeat" : `no heartbeat for ${silence(run.silentMs)}`}`;
      const where = owner ? `; trainer pid ${owner.pid} on ${owner.host}` : "";
      const interruptions = [...run.interruptions, reason];
      await releaseJob(tx, run.jobId);
      const common = { trainerId: null, heartbeatAt: null, jobId: null, interruptions };
      if (run.cancelRequested || interruptions.length >= policy.maxAttempts) {
        const status = run.cancelRequested ? "CANCELLED" : "FAILED";
        const error = run.cancelRequested
          ? null
          : `gave up after ${interruptions.length} attempts, each interrupted: ${interruptions.join(" | ")}`;
        await tx.run.update({
          where: { id },
          data: { ...common, status, error, finishedAt: new Date(), cancelRequested: false },
        });
        await publishRunNotification(tx, { type: "status", runId: id, status }, true);
        if (run.sweepId) await enqueueAdvanceSweep(tx, run.sweepId);
        reaped.ended.push(id);
        log(`reaper: run ${id} ${status} (${reason}${where})`);
      } else {
        // The next owner rewinds to the checkpoint when it claims the run (RunRecorder.start).
        await tx.run.update({ where: { id }, data: { ...common, status: "QUEUED" } });
        await enqueueTrain(tx, id);
        await publishRunNotification(tx, { type: "status", runId: id, status: "QUEUED" }, true);
        reaped.requeued.push(id);
        log(`reaper: run ${id} re-queued from its checkpoint (${reason}${where})`);
      }
      if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
    });
  }
  // A dead trainer's workers may hold jobs (an evaluation, a sweep's advance, a run's job taken but
  // never claimed): graphile-worker would keep them locked for 4 hours, and a sweep's whole queue
  // with them. Unlocked, another trainer takes them now.
  // (One statement: a trainer that beats meanwhile is neither forgotten nor robbed of its jobs.)
  await db.$executeRaw`WITH dead AS (DELETE FROM "Trainer" WHERE "lastSeenAt" < ${cutoff} RETURNING "workerIds")
    SELECT graphile_worker.force_unlock_workers(ARRAY(SELECT unnest("workerIds") FROM dead))`;
  // Jobs out of attempts stay in the queue's table forever otherwise; their runs are ended by now,
  // but an evaluation's run still waits for its outcome: it gets the failure, with the job's last error.
  const failed = await db.$queryRaw<
    { id: bigint; task_identifier: string; payload: unknown; attempts: number; last_error: string | null }[]
  >`
    SELECT j.id, j.task_identifier, p.payload, j.attempts, j.last_error
    FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p USING (id)
    WHERE j.attempts >= j.max_attempts AND j.locked_at IS NULL`;
  for (const job of failed) {
    const removed = await db.$transaction(async (tx) => {
      // Removed here only if still as found (another process's reaper may have removed it first), and
      // its failure told only if it was the run's latest request: a job asked for again while it was
      // out of attempts or running (graphile-worker then drops its key and queues a new one) is not.
      const [gone] = await tx.$queryRaw<{ key: string | null }[]>`
        DELETE FROM graphile_worker._private_jobs
        WHERE id = ${job.id}::bigint AND locked_at IS NULL AND attempts >= max_attempts RETURNING key`;
      if (!gone) return false;
      const evaluated = job.task_identifier === TASK.evaluate ? PAYLOADS[TASK.evaluate].safeParse(job.payload) : null;
      if (gone.key !== null && evaluated?.success) {
        const why = job.last_error
          ? `the last error recorded: ${job.last_error}`
          : "its trainer stopped while evaluating it";
        await recordTestFailure(
          tx,
          evaluated.data.runId,
          `no trainer could finish the evaluation (${job.attempts} attempts; ${why}); ask for it again (evaluateTest)`,
        );
      }
      return true;
    });
    if (removed) log(`reaper: removed failed ${job.task_identifier} job ${job.id}: ${job.last_error}`);
  }
  // Enqueued in the transaction that queued them, so nothing else leaves runs like these: none would
  // ever be trained, and each would hold a place of the queue's limit.
  const jobless = await db.$queryRaw<{ id: string }[]>`
    SELECT r.id::text AS id FROM "Run" r WHERE r.status = 'QUEUED'
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'train:' || r.id::text)`;
  for (const { id } of jobless) {
    await db.$transaction(async (tx) => {
      // Judged again on the locked row: it may have been claimed, cancelled or deleted since.
      const [run] = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM "Run" WHERE id = ${id}::uuid FOR UPDATE`;
      if (run?.status !== "QUEUED") return;
      await enqueueTrain(tx, id);
      reaped.requeued.push(id);
      log(`reaper: run ${id} was QUEUED without a job; queued it again`);
    });
  }
  // A run every live trainer handed back (too big for each, or none has its data set) once the one
  // that could take it is gone: queued again without the flags, the next trainer to take it fails it
  // (or its evaluation) saying why, or hands it on to a trainer that came meanwhile. Left flagged, no
  // trainer would ever take it again.
  const passedOver = await db.$queryRaw<{ task: string; id: string }[]>`
    SELECT j.task_identifier AS task, split_part(j.key, ':', 2) AS id FROM graphile_worker.jobs j
    WHERE j.task_identifier IN (${TASK.train}, ${TASK.evaluate}) AND j.locked_at IS NULL
      AND j.key IS NOT NULL AND j.attempts < j.max_attempts
      AND EXISTS (SELECT 1 FROM jsonb_object_keys(j.flags) AS f(flag) WHERE f.flag LIKE ${`${unfitFlag("")}%`}::text)
      AND EXISTS (SELECT 1 FROM "Trainer" t WHERE t."lastSeenAt" >= ${cutoff})
      AND NOT EXISTS (SELECT 1 FROM "Trainer" t WHERE t."lastSeenAt" >= ${cutoff} AND NOT (j.flags ? (${unfitFlag("")}::text || t.id)))`;
  for (const { task, id } of passedOver) {
    await db.$transaction(async (tx) => {
      if (task === TASK.train) {
        const [run] = await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text AS status FROM "Run" WHERE id = ${id}::uuid FOR UPDATE`;
        if (run?.status !== "QUEUED") return;
        await enqueueTrain(tx, id);
      } else await enqueueEvaluate(tx, id);
      log(
        `reaper: run ${id}'s ${task} job was handed back by every live trainer; queued it again for one to take or fail`,
      );
    });
  }
  // A sweep is advanced by a job queued in the transaction that ended a trial; should that job fail
  // for good (removed above), nothing else would ever end the sweep or promote its trials.
  const stalled = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id::text AS id FROM "Sweep" s WHERE s.status = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM "Run" r WHERE r."sweepId" = s.id AND r.status IN ('QUEUED', 'RUNNING'))
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'sweep:' || s.id::text)`;
  for (const { id } of stalled) {
    await db.$transaction((tx) => enqueueAdvanceSweep(tx, id));
    log(`reaper: sweep ${id} had every trial ended and no job to advance it; queued one`);
  }
  return reaped;
}

/**
 * Calls `reapOrphanedRuns` periodically, but only once this process has reached the database
 * without a failure for a whole timeout: after an outage every heartbeat is stale, and a trainer
 * that was merely cut off, like us, must get the chance to beat again before it is judged.
 */
export class Reaper {
  private healthySince = Date.now();
  private lastContact = Date.now();
  private busy = false;

  /** `intervalMs`: how often `tick` is called; a longer silence means we were cut off ourselves. */
  constructor(
    private readonly db: Db,
    private readonly policy: ReapPolicy,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * Whether the trainers' heartbeats tell who is alive: this process has reached the database with
   * no gap for a whole timeout. Until then, after an outage, live trainers look dead.
   */
  settled(now = Date.now()): boolean {
    return now - this.lastContact <= 3 * this.intervalMs && now - this.healthySince >= this.policy.timeoutMs;
  }

  /** `work` is this process's own database chore (a heartbeat), run first. */
  async tick(work: () => Promise<unknown> = () => this.db.$queryRaw`SELECT 1`): Promise<void> {
    // A tick still waiting on a stalled database: piling more queries behind it helps nobody.
    if (this.busy) return;
    this.busy = true;
    try {
      await work();
      const now = Date.now();
      // A call that failed, or hung through an outage, leaves a gap: everyone's heartbeat is stale
      // then, so start counting again from now.
      if (now - this.lastContact > 3 * this.intervalMs) this.healthySince = now;
      this.lastContact = now;
      if (this.settled(now)) await reapOrphanedRuns(this.db, this.policy, this.log);
    } finally {
      this.busy = false;
    }
  }
}

/** "45 s", "3 min 5 s", "2 h 5 min": rounded once, as a whole, so 119.6 s is "2 min 0 s". */
function silence(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
