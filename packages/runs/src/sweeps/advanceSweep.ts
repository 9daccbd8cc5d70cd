// The `advance-sweep` task, run by a trainer whenever a trial of the sweep ends: once every trial of
// the current rung has ended, it promotes the best 1/eta (successive halving) or, after the last
// rung, picks the best model by validation accuracy and asks for its test accuracy — only the best
// run's: the test set never chooses. Trials that trained to their rung's budget wait as PAUSED until
// this decides: promoted ones are QUEUED again, the others end as STOPPED.

import type { Db, Prisma } from "@trainql/db";
import { promote } from "@trainql/nn";
import { publishRunNotification, publishRunsChanged, publishSweepChanged } from "../events/publish.ts";
import { enqueueEvaluate, enqueueTrain } from "../queue.ts";
import type { SweepConfig } from "./sweepConfig.ts";

export async function advanceSweep(db: Db, sweepId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    // Row lock: cancelSweep and this task never interleave. NO KEY UPDATE, as cancelSweep's: a
    // trainer's write to a trial, which holds the trial's row, takes a KEY SHARE lock on its sweep
    // (PostgreSQL checks the foreign key again on a row the transaction updated before), and FOR
    // UPDATE would wait for it while the trainer waits for the trial's row: a deadlock.
    const [sweep] = await tx.$queryRaw<{ status: string; rung: number; config: SweepConfig }[]>`
      SELECT status::text AS status, rung, config FROM "Sweep" WHERE id = ${sweepId}::uuid FOR NO KEY UPDATE`;
    if (!sweep) return;
    if (sweep.status !== "RUNNING") {
      // A trial that paused after its sweep ended (cancelSweep stopped those paused before) waits
      // for nothing: it stops as they did.
      await stopPausedTrials(tx, sweepId);
      return;
    }
    const trials = await tx.run.findMany({ where: { sweepId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    if (trials.some((t) => t.status === "QUEUED" || t.status === "RUNNING")) return; // the rung is not over

    const { rungs } = sweep.config;
    const rung = rungs[sweep.rung];
    const next = rungs[sweep.rung + 1];
    if (rung && next) {
      // Trials that completed this rung's budget compete; failed or cancelled ones drop out.
      const finishedRung = trials.filter((t) => t.status === "PAUSED" && t.iteration === rung.budget);
      // With seeds, a trial is its group: it competes by its members' mean and moves on as a whole.
      const promoted = promote(byTrial(finishedRung), next.trials);
      if (promoted.length > 0) {
        for (const id of promoted.flatMap((trial) => trial.members.map((m) => m.id))) {
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
    const complete = trials.filter((t) => t.status === "SUCCEEDED" && t.finalValAcc !== null);
    const { best, evaluate } = bestOf(complete);
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

type Finished = { id: string; groupId: string | null; finalValAcc: number | null };

/**
 * Runs as the trials they are, in the order given: with seeds, a group's members together, scored by
 * the mean validation accuracy of those given (null when none has one); without, each run alone.
 */
export function byTrial<T extends Finished>(runs: T[]): { members: T[]; valAcc: number | null }[] {
  const trials = new Map<string, T[]>();
  for (const run of runs) {
    const key = run.groupId ?? run.id;
    trials.set(key, [...(trials.get(key) ?? []), run]);
  }
  return [...trials.values()].map((members) => {
    const scored = members.filter((m) => m.finalValAcc !== null);
    const valAcc = scored.length ? scored.reduce((s, m) => s + (m.finalValAcc as number), 0) / scored.length : null;
    return { members, valAcc };
  });
}

/**
 * The best trial, and whose test accuracy to evaluate. Trials with seeds are ranked by their group's
 * mean validation accuracy (over its SUCCEEDED members), not by a lucky seed: the best group's best
 * member is the sweep's best run, and every member is evaluated, so the group's test accuracy has a
 * mean ± std. Without seeds, each trial is its own group of one.
 */
export function bestOf<T extends Finished>(complete: T[]): { best: T | undefined; evaluate: string[] } {
  const [winner] = promote(byTrial(complete), 1);
  const members = [...(winner?.members ?? [])].sort((a, b) => (b.finalValAcc ?? 0) - (a.finalValAcc ?? 0));
  return { best: members[0], evaluate: members.map((t) => t.id) };
}

/** Trials still waiting for a promotion that will not come (not promoted, or the sweep ended) end as STOPPED. */
export async function stopPausedTrials(tx: Prisma.TransactionClient, sweepId: string): Promise<void> {
  const paused = await tx.run.findMany({ where: { sweepId, status: "PAUSED" }, select: { id: true } });
  await tx.run.updateMany({ where: { sweepId, status: "PAUSED" }, data: { status: "STOPPED" } });
  for (const { id } of paused) await publishRunNotification(tx, { type: "status", runId: id, status: "STOPPED" }, true);
}
