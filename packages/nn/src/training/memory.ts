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
 * slices, and so does a training step where stepsInSlices (see TwoLayerNet.slicedSgdStep). One large
 * product runs closer to the BLAS's peak than ten small ones (at H = 128 the whole 10,000-row
 * validation set is one), and a large set never becomes one giant tensor. A step's slice is at most
 * ~100 GFLOP (H = 8,192): 0.6 s on a 2-core EPYC, measured.
 */
export function rowsPerSlice(hiddenSize: number): number {
  return Math.max(1000, Math.floor(2 ** 22 / hiddenSize));
}

/** `inSlices`: the backend steps in slices (stepsInSlices), so a step's activations are a slice's. */
export function estimateTrainingMemory(
  { hiddenSize: H, batchSize: N }: Pick<Hyperparameters, "hiddenSize" | "batchSize">,
  { inSlices = false } = {},
): MemoryEstimate {
  const D = PIXELS_PER_IMAGE;
  const C = NUM_CLASSES;
  const paramValues = D * H + H + H * C + C;
  const params = 4 * 3 * paramValues; // values, gradients, one SGD temporary
  // The minibatch tensor, the transpose for dW1 that the stock WebAssembly kernels make (a BLAS
  // needs none), and one spare copy: an upper bound on every backend (with a BLAS: the two buffers
  // of minibatches.ts, one filled while a step reads the other).
  const batch = 4 * 3 * N * D;
  const activations = 4 * (4 * (inSlices ? rowsPerSlice(H) : Math.max(N, rowsPerSlice(H))) * H + 6 * N * C);
  return { bytes: params + batch + activations, parts: { params, batch, activations } };
}

export const formatBytes = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The largest single buffer a whole step makes (WebGPU's: see stepsInSlices), and how to make it fit `limit`. */
export interface StepBuffer {
  bytes: number;
  /** What it holds, in words. */
  what: string;
  /** The change that brings every buffer of the step within `limit` bytes, in words, and the knob it names. */
  fix: (limit: number) => { field: "batchSize" | "hiddenSize"; text: string };
}

/**
 * The largest buffer of a step taken whole: the minibatch's hidden activations (batchSize × hiddenSize,
 * and their gradient), else the minibatch itself or W1. A GPU makes no buffer over its binding limit —
 * WebGPU reports the failure to no caller, and the step reads zeros there — so a run whose largest
 * buffer is over it is refused.
 */
export function largestStepBuffer({
  hiddenSize: H,
  batchSize: N,
}: Pick<Hyperparameters, "hiddenSize" | "batchSize">): StepBuffer {
  const D = PIXELS_PER_IMAGE;
  // The most rows (or hidden units) whose every buffer fits: N·H and N·D bound the batch, N·H and D·H the hidden size.
  const most = (limit: number, per: number) => Math.floor(limit / (4 * per));
  const count = (n: number) => n.toLocaleString("en-US");
  const fix = (limit: number): ReturnType<StepBuffer["fix"]> => {
    const batch = most(limit, Math.max(H, D));
    const hidden = most(limit, Math.max(N, D));
    // W1 alone over it: no batch size helps.
    if (4 * D * H > limit) return { field: "hiddenSize", text: `lower hiddenSize to ${count(hidden)}` };
    // The minibatch alone over it: no hidden size helps.
    if (4 * N * D > limit) return { field: "batchSize", text: `lower batchSize to ${count(batch)}` };
    return { field: "batchSize", text: `lower batchSize to ${count(batch)} or hiddenSize to ${count(hidden)}` };
  };
  const buffers = [
    { bytes: 4 * N * H, what: "the minibatch's hidden activations (batchSize × hiddenSize)" },
    { bytes: 4 * N * D, what: `the minibatch (batchSize × ${count(D)})` },
    { bytes: 4 * D * H, what: `W1 (${count(D)} × hiddenSize)` },
  ];
  return { ...buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a)), fix };
}
