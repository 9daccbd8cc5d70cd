// The `train` task: one run from QUEUED to SUCCEEDED, FAILED or CANCELLED, written as it goes, with
// a checkpoint every `checkpointIntervalMs` at an epoch boundary. It never throws: a run it cannot
// finish (the database gone for minutes, the lease lost) is left to the reaper, which re-queues it
// from that checkpoint once this trainer stops renewing it.

import type { Db } from "@trainql/db";
import { withRetry } from "@trainql/db/retry";
import { HyperparameterError, iterationsPerEpoch, NUM_CLASSES, PIXELS_PER_IMAGE, trainsOnGpu } from "@trainql/nn";
import type { Cifar10Dataset } from "@trainql/nn/data";
import {
  type BackendInfo,
  type Checkpoint,
  loadCheckpoint,
  mistakeExamples,
  saveCheckpoint,
  TrainingDivergedError,
  TwoLayerNet,
  train,
} from "@trainql/nn/engine";
import {
  epochCheckpointPolicy,
  hyperparametersOf,
  type JobFlags,
  NO_DATA,
  TASK,
  type TrainerCapacity,
} from "@trainql/runs";
import { ArtifactPace } from "./artifactPace.ts";
import { RunRecorder } from "./runRecorder.ts";
import { handBack, unfitReason } from "./runRouting.ts";

/** A run this trainer is training: how to stop it, and when it last moved. */
export interface ActiveRun {
  controller: AbortController;
  /** performance.now() of the last iteration, epoch or slice of a step: only a run that moves has its lease renewed. */
  lastProgress: number;
  /** Since when its writes have been under way (RunRecorder.writingSince). */
  writingSince: () => number | undefined;
}

export interface TrainerContext {
  db: Db;
  trainerId: string;
  backend: BackendInfo;
  /** The data set, or why there is none. */
  data: Cifar10Dataset | { error: string };
  /** The runs in training here, by id (cancel requests and lease renewals look them up). */
  active: Map<string, ActiveRun>;
  /** Aborted when the trainer stops: a run it claims from then on goes straight back to the queue. */
  stopping: AbortSignal;
  /** A checkpoint is taken at the first epoch boundary this long after the last one (0: every epoch). */
  checkpointIntervalMs: number;
  /** The most of a run's time its weights images and epoch checkpoints may take, in (0, 1] (see ArtifactPace). */
  epochArtifactsShare: number;
  log: (line: string) => void;
  /** What this trainer can train, as it registered it (its backend may change: a lost GPU). */
  capacity: () => TrainerCapacity;
  /** A trainer is live while its heartbeat is younger than this. */
  liveTimeoutMs: number;
  /** Whether the heartbeats tell who is live (not just after an outage): see Reaper.settled. */
  fleetKnown: () => boolean;
  /** How long a run waits for a live trainer with its data set before it fails (RUN_DATA_WAIT_MS). */
  dataWaitMs: number;
}

/** The queue's job of a run: its id, and its flags (which trainers skip it: see runRouting.ts). */
export interface TrainJob {
  id: bigint;
  flags: JobFlags;
  /** Since when the run has waited for a trainer with its data set (see handBack). */
  waitingSince?: string;
}

/** The abort reason of a user's cancelRun. */
export const CANCEL_REASON = "cancelled by request";
/** The abort reason of a trainer shutting down (SIGTERM): the run goes back to the queue. */
export const SHUTDOWN_REASON = "trainer shutting down";
/** The abort reason when the run's writes fail for good: the reaper will hand it to a trainer again. */
export const LOST_REASON = "the run's writes failed";

function describe(error: unknown): string {
  if (error instanceof TrainingDivergedError || error instanceof HyperparameterError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function trainRun(ctx: TrainerContext, runId: string, job: TrainJob): Promise<void> {
  try {
    await trainClaimed(ctx, runId, job);
  } catch (error) {
    // Whatever it was, the run is ended, left with a stale heartbeat, or left QUEUED without a job,
    // and the reaper queues the last two again.
    ctx.log(`run ${runId}: stopped without finishing (${describe(error)}); the reaper will re-queue it`);
  }
}

async function trainClaimed(ctx: TrainerContext, runId: string, job: TrainJob): Promise<void> {
  const { db } = ctx;
  // (Should the database stay out of reach, the run stays QUEUED and its job is done: the reaper
  // queues it again.)
  const run = await withRetry(() => db.run.findUnique({ where: { id: runId } }));
  if (run?.status !== "QUEUED") return; // cancelled or deleted while queued: nothing to do
  const hp = hyperparametersOf(run);
  // No data set here, another than the run trained on, or too big for this trainer (its memory, or its
  // training set for the batch): another live trainer gets it, or, with none that can train it, the
  // run fails below saying why.
  const capacity = ctx.capacity();
  const unfit = unfitReason(capacity, "error" in ctx.data ? ctx.data.error : undefined, { hp, data: run });
  const routed = unfit
    ? await withRetry(() => handBack(db, { task: TASK.train, runId, ...job }, { hp, data: run }, capacity.id, ctx))
    : undefined;
  if (routed === "handed back") {
    ctx.log(`run ${runId}: this trainer cannot train it (${unfit?.short}); handed back for a trainer that can`);
    return;
  }
  if (typeof routed === "object") {
    ctx.log(
      `run ${runId}: no live trainer has its data set; it waits in the queue for one (its own trainer restarting?) until ${routed.waitingForDataUntil.toISOString()}, then fails`,
    );
    return;
  }
  const controller = new AbortController();
  const recorder = new RunRecorder(db, runId, run.sweepId, ctx.log, (error) => {
    ctx.log(`run ${runId}: a write failed for good: ${describe(error).split("\n")[0]}`);
    controller.abort(LOST_REASON);
  });
  // (Claimed only to be failed, the run keeps no data set: it trains on none here.)
  const claim = await recorder.start(ctx.trainerId, ctx.backend, job.id, unfit ? NO_DATA : capacity);
  if (!claim) return;
  if (unfit || "error" in ctx.data) {
    await recorder.finish("FAILED", { error: unfit?.error });
    return;
  }
  const data = ctx.data;
  const active: ActiveRun = {
    controller,
    lastProgress: performance.now(),
    writingSince: () => recorder.writingSince(),
  };
  ctx.active.set(runId, active);
  // (The trainer began to stop after this run's job was taken, and did not see it among the active.)
  if (ctx.stopping.aborted) controller.abort(SHUTDOWN_REASON);
  // Resumed: a trial promoted by successive halving, a run handed back by a stopping trainer, or one
  // taken back from a dead trainer. The checkpoint holds the parameters after `claim.iteration` steps.
  let net: TwoLayerNet;
  let startIteration: number;
  // The training time before the checkpoint, as its last epoch kept recorded it (the epochs past it
  // were dropped at the claim): the run's clock goes on from there, not from 0.
  let elapsedMsBefore = 0;
  let resumed: { iteration: number; data: Uint8Array } | null = null;
  try {
    if (claim.iteration > 0) resumed = await withRetry(() => db.checkpoint.findUnique({ where: { runId } }));
    if (resumed) {
      const lastEpoch = await withRetry(() =>
        db.epochMetric.findFirst({ where: { runId }, orderBy: { epoch: "desc" }, select: { elapsedMs: true } }),
      );
      elapsedMsBefore = lastEpoch?.elapsedMs ?? 0;
    }
  } catch (error) {
    // The database out of reach for longer than the retries: nothing is wrong with the run, whose
    // heartbeat, no longer renewed, goes stale, and the reaper queues it again from its checkpoint.
    forget(ctx, runId, active);
    throw error;
  }
  startIteration = resumed?.iteration ?? 0;
  try {
    net = resumed
      ? loadCheckpoint(resumed.data).net
      : TwoLayerNet.create({ inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES }, hp);
  } catch (error) {
    // A checkpoint that does not load, or a net the device cannot hold: another attempt would fail
    // the same way, so the run fails now, saying why (left to the reaper, it would fail three
    // attempts later as "stopped making progress").
    forget(ctx, runId, active);
    await recorder.finish("FAILED", { error: `could not set up the run: ${describe(error)}` });
    return;
  }
  const endIteration = Math.min(run.budgetIters ?? hp.numIters, hp.numIters);
  const checkpointAt = (iteration: number, values?: Checkpoint["values"]) =>
    saveCheckpoint(
      net,
      { hyperparameters: hp, iteration, backend: ctx.backend.name, learningRateFromEpoch: run.learningRateFromEpoch },
      values,
    );
  const { inputSize: D, hiddenSize: H, numClasses: C } = net.shape;
  // The parameters of past epochs, for forkRun: which epochs, and how many, by the net's size.
  const epochCheckpoints = epochCheckpointPolicy(D * H + H + H * C + C);
  let lastCheckpoint = performance.now();
  const pace = new ArtifactPace(ctx.epochArtifactsShare);
  const perEpoch = iterationsPerEpoch(data.train.n, hp.batchSize);
  let completed = startIteration; // iterations whose update the parameters hold
  try {
    const result = await train(net, data, hp, {
      startIteration,
      elapsedMsBefore,
      endIteration,
      learningRateFromEpoch: run.learningRateFromEpoch,
      signal: controller.signal,
      onSlice: () => {
        active.lastProgress = performance.now();
      },
      onIteration: (it, loss) => {
        completed = it + 1;
        active.lastProgress = performance.now();
        recorder.iteration(loss);
      },
      onEpoch: async (m) => {
        const started = performance.now();
        active.lastProgress = started;
        const due = started - lastCheckpoint >= ctx.checkpointIntervalMs;
        // The weights image and the epoch checkpoint, paced (see ArtifactPace); always at the run's
        // last epoch, which shows where it ended.
        const artifactsDue = pace.due() || m.iteration + perEpoch >= endIteration;
        const keep = epochCheckpoints.kept > 0 && (due || (artifactsDue && epochCheckpoints.everyEpoch));
        if (!due && !artifactsDue) {
          recorder.epoch(m);
          return;
        }
        const values = await net.values(); // (one copy for the image and the checkpoint)
        const checkpoint =
          due || keep
            ? {
                iteration: m.iteration + 1,
                data: await checkpointAt(m.iteration + 1, values),
                resume: due,
                keptEpochs: keep ? epochCheckpoints.kept : 0,
              }
            : undefined;
        if (due) lastCheckpoint = performance.now();
        // (Before the call: the image's tiles are drawn in it, on this thread, and its cost counts them.)
        const prepared = performance.now() - started;
        const written = recorder.epoch(m, {
          weights: artifactsDue ? { W1: values.W1, hiddenSize: hp.hiddenSize } : undefined,
          checkpoint,
        });
        if (!artifactsDue) return;
        // Where the CPU trains, every core trains: encoding the image and PostgreSQL storing megabytes
        // meanwhile would slow training by about what they take. So training waits for them, and the
        // pace counts them all. On a GPU they overlap training on the host's other cores.
        pace.took(trainsOnGpu(ctx.backend.name) ? performance.now() - started : prepared + (await written));
      },
    });
    await recorder.finish(endIteration === hp.numIters ? "SUCCEEDED" : "PAUSED", {
      finalValAcc: result.finalValAcc,
      valConfusion: result.finalValConfusion,
      valMistakes: await mistakeExamples(net, data).catch((error: unknown) => {
        // (What it got wrong is a view of a run that trained: without it, the run still succeeds.)
        ctx.log(`run ${runId}: its mistakes could not be picked: ${describe(error)}`);
        return undefined;
      }),
      checkpoint: { iteration: endIteration, data: await checkpointAt(endIteration) },
    });
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    if (reason === LOST_REASON) throw error;
    if (reason === SHUTDOWN_REASON)
      await recorder.release({ iteration: completed, data: await checkpointAt(completed) });
    else if (reason === CANCEL_REASON) await recorder.finish("CANCELLED", {});
    else if (controller.signal.aborted) await recorder.finish("FAILED", { error: describe(reason) });
    else
      await recorder.finish("FAILED", {
        error: describe(error),
        ...(error instanceof TrainingDivergedError ? { divergedAtIteration: error.iteration } : {}),
      });
  } finally {
    forget(ctx, runId, active);
    net.dispose();
  }
}

/** Stops tracking a run, unless a later claim of it (after a release) is tracked by now. */
function forget(ctx: TrainerContext, runId: string, active: ActiveRun): void {
  if (ctx.active.get(runId) === active) ctx.active.delete(runId);
}
