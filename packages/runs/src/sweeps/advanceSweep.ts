// The `advance-sweep` task, run by a trainer whenever a trial of the sweep ends: once every trial of
// the current rung has ended, it promotes the best 1/eta (successive halving) or, after the last
// rung, picks the best model by validation accuracy and asks for its test accuracy — only the best
// run's: the test set never chooses. Trials that trained to their rung's budget wait as PAUSED until
// this decides: promoted ones are QUEUED again, the others end as STOPPED. How trials (and seed
// groups, over all their seeds) are ranked is trialRanking.ts's.

import type { Db, Prisma } from "@trainql/db";
import { publishRunNotification, publishRunsChanged, publishSweepChanged } from "../events/publish.ts";
import { enqueueEvaluate, enqueueTrain } from "../queue.ts";
import { readSweepConfig } from "./sweepConfig.ts";
import { bestOf, QUEUED_ORDER, rankTrials } from "./trialRanking.ts";

export async function advanceSweep(db: Db, sweepId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    // Row lock: cancelSweep and this task never interleave. NO KEY UPDATE, as cancelSweep's: a
    // trainer's write to a trial, which holds the trial's row, takes a KEY SHARE lock on its sweep
    // (PostgreSQL checks the foreign key again on a row the transaction updated before), and FOR
    // UPDATE would wait for it while the trainer waits for the trial's row: a deadlock.
    const [sweep] = await tx.$queryRaw<{ status: string; rung: number; config: unknown }[]>`
      SELECT status::text AS status, rung, config FROM "Sweep" WHERE id = ${sweepId}::uuid FOR NO KEY UPDATE`;
    if (!sweep) return;
    if (sweep.status !== "RUNNING") {
      // A trial that paused after its sweep ended (cancelSweep stopped those paused before) waits
      // for nothing: it stops as they did.
      await stopPausedTrials(tx, sweepId);
      return;
    }
    const trials = await tx.run.findMany({ where: { sweepId }, orderBy: QUEUED_ORDER });
    if (trials.some((t) => t.status === "QUEUED" || t.status === "RUNNING")) return; // the rung is not over

    const { rungs } = readSweepConfig({ id: sweepId, config: sweep.config });
    const rung = rungs[sweep.rung];
    const next = rungs[sweep.rung + 1];
    if (rung && next) {
      // Trials that completed this rung's budget compete, a group by all its members (a failed or
      // cancelled one counts against it). A promoted group's members that completed the rung train on.
      const ranked = rankTrials(trials, (t) => t.status === "PAUSED" && t.iteration === rung.budget);
      const promoted = ranked.slice(0, next.trials);
      if (promoted.length > 0) {
        for (const id of promoted.flatMap((trial) => trial.counted.map((m) => m.id))) {
          await tx.run.update({
            where: { id },
            data: { status: "QUEUED", budgetIters: next.budget, finishedAt: null },
          });
          await enqueueTrain(tx, id);
          await publishRunsChanged(tx, { runId: id, kind: "updated" });
        }
        await stopPausedTrials(tx, sweepId);
        await tx.sweep.update({ where: { id: sweepId }, data: { rung: next.rung } });
        await publishSweepChanged(tx, sweepId);
        return;
      }
    }

    // The sweep is over: nothing waits any more, and the best fully trained trial by validation accuracy.
    await stopPausedTrials(tx, sweepId);
    const { best, evaluate } = bestOf(rankTrials(trials, (t) => t.status === "SUCCEEDED"));
    for (const id of evaluate) await enqueueEvaluate(tx, id);
    await tx.sweep.update({
      where: { id: sweepId },
      data: {
        status: best ? "SUCCEEDED" : "FAILED",
        bestRunId: best?.id ?? null,
        error: best ? null : "no trial finished training (all failed or were cancelled)",
        finishedAt: new Date(),
      },
    });
    await publishSweepChanged(tx, sweepId);
  });
}

/** Trials still waiting for a promotion that will not come (not promoted, or the sweep ended) end as STOPPED. */
export async function stopPausedTrials(tx: Prisma.TransactionClient, sweepId: string): Promise<void> {
  const paused = await tx.run.findMany({ where: { sweepId, status: "PAUSED" }, select: { id: true } });
  await tx.run.updateMany({ where: { sweepId, status: "PAUSED" }, data: { status: "STOPPED" } });
  for (const { id } of paused) await publishRunNotification(tx, { type: "status", runId: id, status: "STOPPED" }, true);
}
