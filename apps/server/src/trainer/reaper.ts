// Detects dead trainers: a trainer refreshes its row every heartbeat; one silent for longer than the
// timeout (killed, machine gone) has its RUNNING runs marked FAILED with the reason. Runs are not
// resumed: their completed epochs and losses stay stored, and the user can start them again.
// (A trainer stopped with SIGTERM hands its runs back to the queue instead; see trainRun.ts.)
import type { Db } from "../db/prisma.ts";
import { publishRunEvent } from "../events/publish.ts";
import { enqueueAdvanceSweep, removeTrainJob } from "../queue/runQueue.ts";

export async function reapDeadTrainers(db: Db, timeoutMs: number): Promise<string[]> {
  const cutoff = new Date(Date.now() - timeoutMs);
  const dead = await db.trainer.findMany({ where: { lastSeenAt: { lt: cutoff } } });
  const failed: string[] = [];
  for (const trainer of dead) {
    await db.$transaction(async (tx) => {
      // Judge on the latest heartbeat, read under a lock: it may have beaten since we looked.
      const [row] = await tx.$queryRaw<
        { lastSeenAt: Date }[]
      >`SELECT "lastSeenAt" FROM "Trainer" WHERE id = ${trainer.id} FOR UPDATE`;
      if (!row || row.lastSeenAt >= cutoff) return;
      const runs = await tx.run.findMany({ where: { trainerId: trainer.id, status: "RUNNING" } });
      for (const run of runs) {
        const error =
          `trainer ${trainer.id} (pid ${trainer.pid} on ${trainer.host}) stopped responding; last heartbeat ` +
          `${trainer.lastSeenAt.toISOString()}. The run was not resumed: the ${run.iteration} iterations and the epochs stored before are kept.`;
        await tx.run.update({ where: { id: run.id }, data: { status: "FAILED", error, finishedAt: new Date() } });
        await removeTrainJob(tx, run.id);
        await publishRunEvent(tx, { type: "status", runId: run.id, status: "FAILED" }, true);
        if (run.sweepId) await enqueueAdvanceSweep(tx, run.sweepId);
        failed.push(run.id);
      }
      await tx.trainer.deleteMany({ where: { id: trainer.id, lastSeenAt: { lt: cutoff } } });
    });
  }
  return failed;
}

/**
 * Calls `reapDeadTrainers` periodically, but only once this process has reached the database
 * without a failure for a whole timeout: after an outage every heartbeat is stale, and a trainer
 * that was merely cut off, like us, must get the chance to beat again before it is judged.
 */
export class Reaper {
  private healthySince = Date.now();
  private lastContact = Date.now();

  /** `intervalMs`: how often `tick` is called; a longer silence means we were cut off ourselves. */
  constructor(
    private readonly db: Db,
    private readonly timeoutMs: number,
    private readonly intervalMs: number,
  ) {}

  /** `work` is this process's own database chore (a heartbeat), run first. */
  async tick(work: () => Promise<unknown> = () => this.db.$queryRaw`SELECT 1`): Promise<void> {
    await work();
    const now = Date.now();
    // A call that failed, or hung through an outage, leaves a gap: everyone's heartbeat is stale
    // then, so start counting again from now.
    if (now - this.lastContact > 3 * this.intervalMs) this.healthySince = now;
    this.lastContact = now;
    if (now - this.healthySince >= this.timeoutMs) await reapDeadTrainers(this.db, this.timeoutMs);
  }
}
