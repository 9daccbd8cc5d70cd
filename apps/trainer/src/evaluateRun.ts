// The `evaluate` task: a finished run's checkpoint on the test set, once, on request. Either way the
// run's subscribers hear the outcome: the test accuracy, or why there is none (also the run's testError),
// and so does its sweep's page, which shows its best run's. The outcome's write is retried through a
// database outage: lost, the run would have neither, and its pages would wait for one forever.
import { withRetry } from "@trainql/db/retry";
import { loadCheckpoint } from "@trainql/nn/engine";
import { publishRunNotification, publishSweepChanged } from "@trainql/runs";
import type { TrainerContext } from "./trainRun.ts";

export async function evaluateRun(ctx: TrainerContext, runId: string): Promise<void> {
  let testAcc: number;
  try {
    testAcc = await withRetry(() => testAccuracy(ctx, runId));
  } catch (error) {
    const testError = error instanceof Error ? error.message : String(error);
    ctx.log(`run ${runId}: no test accuracy: ${testError}`);
    await withRetry(() =>
      ctx.db.$transaction(async (tx) => {
        const run = await tx.run.findUnique({ where: { id: runId }, select: { sweepId: true } });
        if (!run) return;
        await tx.run.update({ where: { id: runId }, data: { testError } });
        await publishRunNotification(tx, { type: "testFailed", runId, error: testError }, true);
        if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
      }),
    );
    return;
  }
  await withRetry(() =>
    ctx.db.$transaction(async (tx) => {
      const run = await tx.run.update({ where: { id: runId }, data: { testAcc, testError: null } });
      await publishRunNotification(tx, { type: "test", runId, testAcc }, true);
      if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
    }),
  );
}

async function testAccuracy(ctx: TrainerContext, runId: string): Promise<number> {
  if ("error" in ctx.data) throw new Error(`this trainer has no data set: ${ctx.data.error}`);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { runId } });
  if (!checkpoint) throw new Error("the run has no checkpoint to evaluate");
  const test = ctx.data.test;
  const { net } = loadCheckpoint(checkpoint.data);
  try {
    return await net.accuracy(test.x, test.y, test.n);
  } finally {
    net.dispose();
  }
}
