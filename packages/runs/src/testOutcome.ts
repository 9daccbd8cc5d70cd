// A run's test evaluation ends one of two ways, and its subscribers, and its sweep's page (which shows
// its best run's), hear either: the test accuracy, or why there is none (the run's testError). One
// home for both, as a trainer that evaluated writes them and as the reaper writes an evaluation that
// no trainer could finish: without an outcome, the pages and `pnpm sweep` would wait for one forever.
import type { Prisma } from "@trainql/db";
import { type ConfusionCounts, flatConfusion } from "@trainql/nn";
import { publishRunNotification, publishSweepChanged } from "./events/publish.ts";

type Tx = Prisma.TransactionClient;

/** What an evaluation on the test set measured: the accuracy, and its confusion matrix. */
export interface TestOutcome {
  testAcc: number;
  testConfusion: ConfusionCounts;
}

export async function recordTestAccuracy(
  tx: Tx,
  runId: string,
  { testAcc, testConfusion }: TestOutcome,
): Promise<void> {
  const run = await tx.run.update({
    where: { id: runId },
    data: { testAcc, testConfusion: flatConfusion(testConfusion), testError: null },
  });
  await publishRunNotification(tx, { type: "test", runId, testAcc }, true);
  if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
}

/** Writes why a run has no test accuracy; nothing when the run is gone. */
export async function recordTestFailure(tx: Tx, runId: string, testError: string): Promise<void> {
  const run = await tx.run.findUnique({ where: { id: runId }, select: { sweepId: true } });
  if (!run) return;
  await tx.run.update({ where: { id: runId }, data: { testError } });
  await publishRunNotification(tx, { type: "testFailed", runId, error: testError }, true);
  if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
}
