// Minibatch SGD with per-epoch learning-rate decay, as the reference assignment's `nn_train`:
//   every iteration: sample batchSize rows *with replacement*, take one SGD step, record the loss;
//   at every iteration `it` with it % iterationsPerEpoch == 0, after the step: record the train
//   accuracy on the current minibatch and the accuracy on the whole validation set, then lr *= decay.
import * as tf from "@tensorflow/tfjs-core";
import {
  bindableBytes,
  DeviceLostError,
  GpuRefusedError,
  webgpuLimits,
  webgpuLostReason,
  webgpuRefusalCount,
  webgpuRefusalSince,
} from "../backend/webgpu.ts";
import type { Split } from "../data/dataset.ts";
import { type ConfusionCounts, confusionMatrix } from "../metrics/confusionMatrix.ts";
import { fractionEqual, type Rows, type TwoLayerNet } from "../model/twoLayerNet.ts";
import { yieldToEventLoop } from "./eventLoop.ts";
import {
  HyperparameterError,
  type Hyperparameters,
  iterationsPerEpoch,
  validateHyperparameters,
} from "./hyperparameters.ts";
import { stepSliceRows } from "./memory.ts";
import { disposeRows, minibatches, residentRows } from "./minibatches.ts";

export interface EpochMetrics {
  /** 0-based index of this epoch record. */
  epoch: number;
  /** The iteration after whose update the metrics were taken. */
  iteration: number;
  /** Minibatch loss at that iteration. */
  loss: number;
  trainAcc: number;
  valAcc: number;
  /** The learning rate that iteration used (before this epoch's decay). */
  learningRate: number;
  /** Milliseconds of training so far: since training started, plus `elapsedMsBefore` of a resumed run. */
  elapsedMs: number;
}

export interface TrainCallbacks {
  onIteration?: (iteration: number, loss: number) => void | Promise<void>;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /**
   * Called after each slice of work that goes in slices (stepSliceRows): a large minibatch's step
   * on a backend that computes on this thread or over a GPU's buffer limit, and the accuracy passes
   * at an epoch's end where the rows are the host's. Such an iteration can take minutes on a CPU,
   * and whoever watches for progress sees it move.
   */
  onSlice?: () => void;
  /** Cancellation: honoured before the next iteration starts, and between a step's slices. */
  signal?: AbortSignal;
}

export interface TrainOptions extends TrainCallbacks {
  /** Resume at this iteration (the net holds the parameters after `startIteration` steps). */
  startIteration?: number;
  /**
   * Stop before this iteration (default numIters), as if the run had been interrupted there: the
   * schedule is still that of the full run, so training on from here gives the same result.
   */
  endIteration?: number;
  /**
   * The epoch from which `hp.learningRate` applies undecayed (default 0). A fork that sets a new
   * learning rate or decay at epoch k starts its schedule afresh at its own first epoch, k + 1.
   */
  learningRateFromEpoch?: number;
  /**
   * Training time a resumed run had spent before `startIteration` (default 0): epochs count the
   * whole run's, so that a run's time to an accuracy does not start over where it was resumed.
   */
  elapsedMsBefore?: number;
  /**
   * On WebGPU: the most bytes one buffer may hold, at most (and by default) what the device binds
   * (bindableBytes). A step whose activations are over it goes in slices (stepSliceRows).
   */
  gpuBufferLimit?: number;
}

export interface TrainResult {
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
  epochs: EpochMetrics[];
  /** Validation accuracy of the parameters at the end. */
  finalValAcc: number;
  /** Their confusion matrix on the validation set (finalValAcc is its trace over its sum). */
  finalValConfusion: ConfusionCounts;
  /** Iterations run by this call. */
  iterations: number;
  trainMs: number;
  msPerIter: number;
}

export class TrainingDivergedError extends Error {
  override name = "TrainingDivergedError";
  constructor(
    readonly iteration: number,
    readonly loss: number,
    what = `the loss became ${loss} at iteration ${iteration}`,
  ) {
    super(`training diverged: ${what}; try a smaller learning rate`);
  }
}

/** Validation rows whose scores tell whether the final parameters are a model at all (see train). */
const FINITE_CHECK_ROWS = 100;

/**
 * The learning rate in force at iteration `it`: decayed once per epoch boundary passed since epoch
 * `fromEpoch` (whose iterations use hp.learningRate itself).
 */
export function learningRateAt(hp: Hyperparameters, numTrain: number, it: number, fromEpoch = 0): number {
  const epochsDone = Math.ceil(it / iterationsPerEpoch(numTrain, hp.batchSize));
  return hp.learningRate * hp.learningRateDecay ** Math.max(0, epochsDone - fromEpoch);
}

/**
 * How many steps behind the loss is read. A GPU backend only queues a step's kernels, and reading its
 * loss at once leaves the device idle while the host samples and queues the next step (on an H200,
 * ~2 ms of a 5.4 ms step at H = 4096): there the loss of step k is read while step k + 1 runs. The CPU
 * backends compute as they go, so there is nothing to overlap, and each loss is read at once.
 */
export const readsBehind = (): number => (webgpuLimits() ? 1 : 0);

export async function train(
  net: TwoLayerNet,
  data: { train: Split; val: Split },
  hp: Hyperparameters,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const errors = validateHyperparameters(hp, data.train.n);
  if (errors.length > 0) throw new HyperparameterError(errors);
  const {
    signal,
    onSlice,
    onIteration,
    onEpoch,
    startIteration = 0,
    endIteration = hp.numIters,
    learningRateFromEpoch = 0,
    elapsedMsBefore = 0,
    gpuBufferLimit,
  } = options;
  const limits = webgpuLimits();
  if (
    !(
      Number.isInteger(startIteration) &&
      Number.isInteger(endIteration) &&
      0 <= startIteration &&
      startIteration <= endIteration &&
      endIteration <= hp.numIters
    )
  ) {
    throw new RangeError(
      `need 0 ≤ startIteration (${startIteration}) ≤ endIteration (${endIteration}) ≤ numIters (${hp.numIters})`,
    );
  }
  const perEpoch = iterationsPerEpoch(data.train.n, hp.batchSize);

  const result: TrainResult = {
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
    epochs: [],
    finalValAcc: Number.NaN,
    finalValConfusion: [],
    iterations: 0,
    trainMs: 0,
    msPerIter: 0,
  };
  let learningRate = learningRateAt(hp, data.train.n, startIteration, learningRateFromEpoch);
  let epoch = Math.ceil(startIteration / perEpoch);
  const start = performance.now();
  const labels = new Int32Array(hp.batchSize);
  const batches = minibatches(data.train, hp.batchSize, hp.seed, endIteration);
  const valRows = residentRows(data.val);
  const refusedBefore = webgpuRefusalCount();
  /**
   * Throws if the GPU refused an operation since the run began: what read from it was zeros. (Counted
   * for the device, which a trainer's concurrent runs share: it may have been another run's.)
   */
  const checkRefusals = (when: string) => {
    const refused = webgpuRefusalSince(refusedBefore);
    if (refused) throw new GpuRefusedError(`${refused} (seen ${when}); the run's results are not to be trusted`);
  };
  /** After each slice of work: progress reported, and a turn for timers (see yieldToEventLoop). */
  const afterSlice = async () => {
    onSlice?.();
    await yieldToEventLoop();
  };
  /** The validation set's predicted labels, kept with the iteration whose parameters made them. */
  let valPredicted: { iteration: number; labels: Int32Array } | undefined;
  const predictVal = async (iteration: number) => {
    const labels = valRows ? await net.predictTensor(valRows) : await net.predict(data.val.x, data.val.n, afterSlice);
    valPredicted = { iteration, labels };
    return labels;
  };

  // The steps whose losses are being read, oldest first: on a GPU backend the last one runs while
  // the host reads the one before it (see readsBehind).
  const reads: { it: number; loss: tf.Tensor; values: Promise<tf.TypedArray> }[] = [];
  const lag = readsBehind();
  const slice = stepSliceRows(
    hp,
    limits && Math.min(gpuBufferLimit ?? Number.POSITIVE_INFINITY, bindableBytes(limits)),
  );
  /** Waits for the oldest step's loss, records it and reports it. */
  const settleOldest = async (): Promise<void> => {
    const { it, loss: lossTensor, values } = reads.shift()!;
    let loss: number;
    try {
      loss = (await values)[0] as number;
    } finally {
      lossTensor.dispose(); // (not before its read is done: the backend writes the values into it)
    }
    // (First: zeros from a refused op may well make the loss NaN, which is not the hyperparameters' doing.)
    checkRefusals(`at iteration ${it}`);
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(it, loss);
    result.lossHistory.push(loss);
    result.iterations++;
    await onIteration?.(it, loss);
  };

  /** Fails the run when the update of iteration `it` left parameters whose scores on `rows` are not finite. */
  const failIfBlownUp = async (it: number, rows: Rows, count: number, step: string) => {
    if (!(await net.scoresFinite(rows, count)))
      throw new TrainingDivergedError(
        it,
        Number.NaN,
        `${step} (iteration ${it}) left parameters whose class scores are not finite numbers`,
      );
  };

  /** Stops a cancelled run, every step the parameters hold reported first (a paused run resumes there). */
  const stopIfAborted = async () => {
    if (!signal?.aborted) return;
    while (reads.length > 0) await settleOldest();
    signal.throwIfAborted();
  };

  try {
    for (let it = startIteration; it < endIteration; it++) {
      // Let timers and I/O run between iterations (a wasm or cpu backend resolves `data()` without
      // ever leaving the microtask queue): cancellation, heartbeats and progress writes depend on it.
      await yieldToEventLoop();
      await stopIfAborted();
      const X = batches.batch(it, labels);
      // (X stays until the epoch metrics: the reference measures training accuracy on this minibatch.)
      try {
        const lossTensor =
          slice === undefined
            ? tf.tidy(() => net.sgdStep(X, tf.tensor1d(labels, "int32"), learningRate, hp.reg))
            : await net.slicedSgdStep(X, labels, learningRate, hp.reg, slice, async () => {
                await afterSlice();
                await stopIfAborted(); // (the parameters are those of the step before: see slicedSgdStep)
              });
        const values = lossTensor.data();
        values.catch(() => {}); // (awaited in its turn; a failure meanwhile is no unhandled rejection)
        reads.push({ it, loss: lossTensor, values });
        while (reads.length > lag) await settleOldest();
        if (it % perEpoch === 0) {
          while (reads.length > 0) await settleOldest();
          // This step's loss was taken before its update: an update that blew the parameters up
          // was recorded as an epoch of ~10% accuracies (argMax of NaN scores is class 0), with a
          // checkpoint a fork could start from.
          await failIfBlownUp(it, X, Math.min(FINITE_CHECK_ROWS, hp.batchSize), `the step at epoch ${epoch}'s end`);
          const loss = result.lossHistory.at(-1) as number; // (this iteration's)
          // (On the host's thread, in slices with turns for timers between them; on WebGPU, read once.)
          const trainAcc = fractionEqual(await net.predictRows(X, limits ? undefined : afterSlice), labels);
          const valAcc = fractionEqual(await predictVal(it), data.val.y);
          checkRefusals(`in the metrics of epoch ${epoch}`);
          const metrics: EpochMetrics = {
            epoch,
            iteration: it,
            loss,
            trainAcc,
            valAcc,
            learningRate,
            elapsedMs: elapsedMsBefore + performance.now() - start,
          };
          result.trainAccHistory.push(trainAcc);
          result.valAccHistory.push(valAcc);
          result.epochs.push(metrics);
          await onEpoch?.(metrics);
          epoch++;
          // hp.learningRate · decay^epochs rather than repeated `*=`, so a resumed run uses the same bits.
          learningRate = learningRateAt(hp, data.train.n, it + 1, learningRateFromEpoch);
        }
      } finally {
        disposeRows(X);
      }
    }
    while (reads.length > 0) await settleOldest();
  } catch (error) {
    // Reads still under way when the run failed: their tensors go once the backend is done with them.
    for (const { loss, values } of reads.splice(0))
      await values.then(
        () => loss.dispose(),
        () => loss.dispose(),
      );
    // A lost GPU fails reads with a generic message; say what happened instead.
    const lost = webgpuLostReason();
    throw lost ? new DeviceLostError(lost, { cause: error }) : error;
  } finally {
    batches.release();
  }

  // Each loss is taken before its step's update, so no loss checks the last update: a last step that
  // blew the parameters up ended the run as if it had trained, predicting one class for every image
  // (argMax of a row of NaNs is 0). Their scores on a few validation rows tell.
  const checkRows = Math.min(FINITE_CHECK_ROWS, data.val.n);
  if (result.iterations > 0 && checkRows > 0) {
    const rows = valRows ?? { values: data.val.x.subarray(0, checkRows * net.shape.inputSize), count: checkRows };
    await failIfBlownUp(endIteration - 1, rows, checkRows, "the last step");
  }

  result.trainMs = performance.now() - start;
  result.msPerIter = result.iterations > 0 ? result.trainMs / result.iterations : 0;
  // The accuracy of the final parameters, as the reference reports after training (the last epoch
  // record is older unless it fell on the last iteration). Successive halving compares trials by it.
  const predicted =
    valPredicted?.iteration === endIteration - 1 ? valPredicted.labels : await predictVal(endIteration - 1);
  result.finalValAcc = fractionEqual(predicted, data.val.y);
  result.finalValConfusion = confusionMatrix(predicted, data.val.y);
  checkRefusals("in the final accuracy");
  return result;
}
