// The `evaluate` task: a finished run's checkpoint on the test set, once, on request.
import { loadCheckpoint } from "@trainql/nn/engine";
import { publishRunNotification, publishSweepChanged } from "@trainql/runs";
import type { TrainerContext } from "./trainRun.ts";

export async function evaluateRun(ctx: TrainerContext, runId: string): Promise<void> {
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { runId } });
  if (!checkpoint || "error" in ctx.data) return;
  const test = ctx.data.test;
  const { net } = loadCheckpoint(checkpoint.data);
  try {
    const testAcc = await net.accuracy(test.x, test.y, test.n);
    await ctx.db.$transaction(async (tx) => {
      const run = await tx.run.update({ where: { id: runId }, data: { testAcc } });
      await publishRunNotification(tx, { type: "test", runId, testAcc }, true);
      if (run.sweepId) await publishSweepChanged(tx, run.sweepId);
    });
  } finally {
    net.dispose();
  }
}
