// Cancelling a run, alone (cancelRun) or with its sweep (cancelSweep): one rule for both, so a trial
// of a cancelled sweep ends exactly as a run cancelled by hand would.
import type { Prisma, Run, RunStatus } from "@trainql/db";
import { cancelRequested, publish, publishRunNotification } from "./events/publish.ts";
import { staleBeforeSql } from "./liveness.ts";
import { enqueueAdvanceSweep, removeJobsOf } from "./queue.ts";
import type { ReapPolicy } from "./reaper.ts";
import { releaseJob } from "./runLease.ts";

/**
 * What a cancel did: `cancelled`, ended here (no live trainer held the run); `requested`, its owner
 * was asked to stop (within one iteration), and the flag also makes the reaper end it rather than
 * re-queue it should that owner die first; `ended`, the run had already ended with that status.
 */
export type CancelOutcome = { kind: "cancelled" } | { kind: "requested" } | { kind: "ended"; status: RunStatus };

/** Cancels a run inside the caller's transaction (which the row lock taken here lasts for). */
export async function cancelRunIn(
  tx: Prisma.TransactionClient,
  runId: string,
  policy: Pick<ReapPolicy, "timeoutMs">,
): Promise<CancelOutcome | undefined> {
  // (Ownerless on the database's clock, which every heartbeat is written with: see liveness.ts.)
  const [run] = await tx.$queryRaw<(Pick<Run, "status" | "jobId" | "sweepId"> & { ownerless: boolean })[]>`
    SELECT status, "jobId", "sweepId",
      ("heartbeatAt" IS NULL OR "heartbeatAt" < ${staleBeforeSql(policy.timeoutMs)}) AS ownerless
    FROM "Run" WHERE id = ${runId}::uuid FOR NO KEY UPDATE`;
  if (!run) return undefined;
  const { ownerless } = run;
  // A PAUSED sweep trial waits for its rung's end: cancelled, it drops out of the promotion.
  if (run.status === "QUEUED" || run.status === "PAUSED" || (run.status === "RUNNING" && ownerless)) {
    // No live trainer holds it: end it here (a late owner finds its lease gone and stops).
    if (run.status === "RUNNING") await releaseJob(tx, run.jobId);
    await removeJobsOf(tx, [runId]);
    await tx.run.update({
      where: { id: runId },
      data: { status: "CANCELLED", finishedAt: new Date(), heartbeatAt: null, trainerId: null, jobId: null },
    });
    await publishRunNotification(tx, { type: "status", runId, status: "CANCELLED" }, true);
    if (run.sweepId) await enqueueAdvanceSweep(tx, run.sweepId);
    return { kind: "cancelled" };
  }
  if (run.status !== "RUNNING") return { kind: "ended", status: run.status };
  // The owner hears the notification at once, or reads the flag with its next heartbeat.
  await tx.run.update({ where: { id: runId }, data: { cancelRequested: true } });
  await publish(tx, cancelRequested(runId));
  return { kind: "requested" };
}
