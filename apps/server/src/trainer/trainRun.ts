// The `train` task: one run from QUEUED to SUCCEEDED, FAILED or CANCELLED, written as it goes.
import {
  type BackendInfo,
  type Cifar10Dataset,
  HyperparameterError,
  type Hyperparameters,
  loadCheckpoint,
  NUM_CLASSES,
  PIXELS_PER_IMAGE,
  saveCheckpoint,
  TrainingDivergedError,
  TwoLayerNet,
  train,
} from "@trainql/nn";
import type { Db, Run } from "../db/prisma.ts";
import { RunRecorder } from "./runRecorder.ts";

export interface TrainerContext {
  db: Db;
  trainerId: string;
  backend: BackendInfo;
  /** The data set, or why there is none. */
  data: Cifar10Dataset | { error: string };
  /** Aborts a run's training when a cancel request arrives for it. */
  controllers: Map<string, AbortController>;
  log: (line: string) => void;
}

/** The abort reason of a user's cancelRun. */
export const CANCEL_REASON = "cancelled by request";
/** The abort reason of a trainer shutting down (SIGTERM): the run goes back to the queue. */
export const SHUTDOWN_REASON = "trainer shutting down";

export function hyperparametersOf(run: Run): Hyperparameters {
  const { hiddenSize, learningRate, learningRateDecay, reg, batchSize, numIters, weightScale, seed } = run;
  return { hiddenSize, learningRate, learningRateDecay, reg, batchSize, numIters, weightScale, seed };
}

function describe(error: unknown): string {
  if (error instanceof TrainingDivergedError || error instanceof HyperparameterError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function trainRun(ctx: TrainerContext, runId: string): Promise<void> {
  const { db } = ctx;
  const run = await db.run.findUnique({ where: { id: runId } });
  if (run?.status !== "QUEUED") return; // cancelled or deleted while queued: nothing to do
  const recorder = new RunRecorder(db, runId, run.sweepId, run.iteration, run.bestValAcc, ctx.log);
  if (!(await recorder.start(ctx.trainerId, ctx.backend))) return;
  if ("error" in ctx.data) {
    await recorder.finish("FAILED", { error: ctx.data.error });
    return;
  }
  const data = ctx.data;
  const hp = hyperparametersOf(run);
  const controller = new AbortController();
  ctx.controllers.set(runId, controller);
  // A trial promoted by successive halving goes on from where its last budget ended, from its checkpoint.
  const resumed = run.iteration > 0 ? await db.checkpoint.findUnique({ where: { runId } }) : null;
  const startIteration = resumed?.iteration ?? 0;
  const endIteration = Math.min(run.budgetIters ?? hp.numIters, hp.numIters);
  const net = resumed
    ? loadCheckpoint(resumed.data).net
    : TwoLayerNet.create({ inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES }, hp);
  let completed = startIteration; // iterations whose update the parameters hold
  try {
    const result = await train(net, data, hp, {
      startIteration,
      endIteration,
      signal: controller.signal,
      onIteration: (it, loss) => {
        completed = it + 1;
        recorder.iteration(loss);
      },
      onEpoch: async (m) => recorder.epoch(m, (await net.values()).W1, hp.hiddenSize),
    });
    const checkpoint = await saveCheckpoint(net, {
      hyperparameters: hp,
      iteration: endIteration,
      backend: ctx.backend.name,
    });
    await recorder.finish(endIteration === hp.numIters ? "SUCCEEDED" : "PAUSED", {
      finalValAcc: result.finalValAcc,
      checkpoint: { iteration: endIteration, data: checkpoint },
    });
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    if (reason === SHUTDOWN_REASON) {
      const data = await saveCheckpoint(net, { hyperparameters: hp, iteration: completed, backend: ctx.backend.name });
      await recorder.release({ iteration: completed, data });
    } else if (reason === CANCEL_REASON) await recorder.finish("CANCELLED", {});
    else if (controller.signal.aborted) await recorder.finish("FAILED", { error: describe(reason) });
    else await recorder.finish("FAILED", { error: describe(error) });
  } finally {
    ctx.controllers.delete(runId);
    net.dispose();
  }
}
