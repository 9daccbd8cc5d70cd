// What one training run needs in memory, estimated before it starts, so a run that cannot fit is
// refused with the numbers instead of crashing a trainer. Counted in float32 values (4 bytes):
// the parameters and their gradients and SGD temporaries, the minibatch (and its transpose), the
// hidden layer's activations (pre-ReLU, ReLU, mask, gradient), and one prediction chunk.
import { NUM_CLASSES, PIXELS_PER_IMAGE } from "../data/cifar10.ts";
import type { Hyperparameters } from "./hyperparameters.ts";

export interface MemoryEstimate {
  bytes: number;
  parts: { params: number; batch: number; activations: number };
}

/**
 * Rows per pass through the net when there are more: as many as keep a slice's hidden activations
 * within 2^22 values (16 MiB), at least 1,000. Predictions (the validation and test passes) go in
 * slices, and so does a training step on a backend that computes on the host's thread (see
 * stepSliceRows). One large product runs closer to the BLAS's peak than ten small ones (at H = 128
 * the whole 10,000-row validation set is one), and a large set never becomes one giant tensor. Such a
 * step's slice is at most ~100 GFLOP (H = 8,192): 0.6 s on a 2-core EPYC, measured.
 */
export function rowsPerSlice(hiddenSize: number): number {
  return Math.max(1000, Math.floor(2 ** 22 / hiddenSize));
}

/**
 * How a training step goes through its minibatch: in slices of this many rows (TwoLayerNet.slicedSgdStep),
 * or undefined for one pass.
 * - A backend that computes on the host's thread (stepsOnHostThread) takes slices of rowsPerSlice rows,
 *   so that timers run between them.
 * - WebGPU (`gpuBufferLimit`: the most bytes one buffer of the device may hold, bindableBytes) only
 *   queues a step's work, and takes it in one pass, unless the minibatch's hidden activations
 *   (batchSize × hiddenSize floats, each of four such tensors one buffer) are over that limit: the GPU
 *   would make no such buffer, tell no caller, and the step read zeros. Then in slices that fit it.
 */
export function stepSliceRows(
  { hiddenSize: H, batchSize: N }: Pick<Hyperparameters, "hiddenSize" | "batchSize">,
  gpuBufferLimit?: number,
): number | undefined {
  const rows = gpuBufferLimit === undefined ? rowsPerSlice(H) : Math.max(1, Math.floor(gpuBufferLimit / (4 * H)));
  return N > rows ? rows : undefined;
}

/** `sliceRows`: a step's slices (stepSliceRows), whose activations are a slice's. */
export function estimateTrainingMemory(
  { hiddenSize: H, batchSize: N }: Pick<Hyperparameters, "hiddenSize" | "batchSize">,
  sliceRows?: number,
): MemoryEstimate {
  const D = PIXELS_PER_IMAGE;
  const C = NUM_CLASSES;
  const paramValues = D * H + H + H * C + C;
  const params = 4 * 3 * paramValues; // values, gradients, one SGD temporary
  // The minibatch tensor, the transpose for dW1 that the stock WebAssembly kernels make (a BLAS
  // needs none), and one spare copy: an upper bound on every backend (with a BLAS: the two buffers
  // of minibatches.ts, one filled while a step reads the other).
  const batch = 4 * 3 * N * D;
  // (At least a prediction slice's: the accuracy passes go in slices of rowsPerSlice rows.)
  const activations = 4 * (4 * Math.max(sliceRows ?? N, rowsPerSlice(H)) * H + 6 * N * C);
  return { bytes: params + batch + activations, parts: { params, batch, activations } };
}

export const formatBytes = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * The bytes of the minibatch, which a GPU holds in one buffer: the one buffer of a step that a GPU
 * may not be able to make. Slices bound the activations (stepSliceRows), and W1, at most
 * 3,072 × 8,192 floats (96 MiB), is under the 128 MiB that every WebGPU device binds.
 */
export const minibatchBytes = (batchSize: number): number => 4 * batchSize * PIXELS_PER_IMAGE;

/** The largest minibatch a GPU whose buffers hold at most `limit` bytes can hold. */
export const mostMinibatchRows = (limit: number): number => Math.floor(limit / minibatchBytes(1));
