// The `evaluate` task: a finished run's checkpoint on the test set, once, on request. Either way the
// run's subscribers hear the outcome (testOutcome.ts in @trainql/runs). The outcome's write is retried
// through a database outage: lost, the run would have neither, and its pages would wait for one
// forever (should the outage outlast the retries, the job fails, and is tried again, see enqueueEvaluate).
import { isTransient, withRetry } from "@trainql/db/retry";
import { confusionMatrix } from "@trainql/nn";
import { fractionEqual, loadCheckpoint } from "@trainql/nn/engine";
import {
  DATA_IDENTITY,
  dataProblem,
  type JobFlags,
  recordTestAccuracy,
  recordTestFailure,
  TASK,
  type TestOutcome,
} from "@trainql/runs";
import { handBack } from "./runRouting.ts";
import type { TrainerContext } from "./trainRun.ts";

export async function evaluateRun(
  ctx: TrainerContext,
  runId: string,
  job: { flags: JobFlags | undefined },
): Promise<void> {
  // A trainer without the data set the run trained on leaves the evaluation to one that has it, if
  // one is live: the test set, and the training set's mean subtracted from it, are that data set's.
  const run = await withRetry(() => ctx.db.run.findUnique({ where: { id: runId }, select: DATA_IDENTITY }));
  if (!run) return; // deleted since
  const otherData = "error" in ctx.data ? undefined : dataProblem(ctx.capacity(), run);
  if (
    ("error" in ctx.data || otherData) &&
    (await withRetry(() =>
      handBack(ctx.db, { task: TASK.evaluate, runId, flags: job.flags }, { hp: null, data: run }, ctx.trainerId, ctx),
    )) === "handed back"
  ) {
    ctx.log(
      `run ${runId}: this trainer cannot evaluate it (${otherData ? "other data set" : "no data set"}); handed back for a trainer that can`,
    );
    return;
  }
  if (otherData) {
    ctx.log(`run ${runId}: no test accuracy: ${otherData}`);
    await withRetry(() => ctx.db.$transaction((tx) => recordTestFailure(tx, runId, otherData)));
    return;
  }
  let outcome: TestOutcome;
  try {
    outcome = await withRetry(() => evaluate(ctx, runId));
  } catch (error) {
    // The database out of reach for longer than the retries is no outcome of the evaluation: the job
    // fails, and gets its next attempt (see enqueueEvaluate).
    if (isTransient(error)) throw error;
    const testError = error instanceof Error ? error.message : String(error);
    ctx.log(`run ${runId}: no test accuracy: ${testError}`);
    await withRetry(() => ctx.db.$transaction((tx) => recordTestFailure(tx, runId, testError)));
    return;
  }
  await withRetry(() => ctx.db.$transaction((tx) => recordTestAccuracy(tx, runId, outcome)));
}

async function evaluate(ctx: TrainerContext, runId: string): Promise<TestOutcome> {
  if ("error" in ctx.data) throw new Error(`this trainer has no data set: ${ctx.data.error}`);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { runId } });
  if (!checkpoint) throw new Error("the run has no checkpoint to evaluate");
  const test = ctx.data.test;
  const { net } = loadCheckpoint(checkpoint.data);
  try {
    const predicted = await net.predict(test.x, test.n);
    return { testAcc: fractionEqual(predicted, test.y), testConfusion: confusionMatrix(predicted, test.y) };
  } finally {
    net.dispose();
  }
}
