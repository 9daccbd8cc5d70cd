// Parts of a training step fused into fewer kernels than the model's ops (model/twoLayerNet.ts, which
// every other backend runs), where launching a kernel costs more than its arithmetic:
// - the softmax cross-entropy and its gradient (15 kernels over N × 10 values as ops): on the
//   WebAssembly backend one pass of JavaScript over the scores on the heap, on WebGPU two shaders
//   and a sum. On wasm, measured on 2 cores at batch 1000: the ops ~1 ms, the pass 0.3–0.5 ms; a
//   step at H = 128 0.2 ms shorter (median of 80 interleaved pairs of runs).
// - on WebGPU, the SGD update of a parameter, β·W + α·G, in one kernel instead of four (on the CPU
//   the BLAS does it in place, see sgdUpdateInPlace).
// A WebGPU step launches ~20 kernels fewer. On the H200 a step at H = 4096 spent ~1.4 ms of host time
// launching ~40 kernels and 0.6 ms in ~30 small ones (README, "On an NVIDIA H200"); not yet measured
// on a GPU, tested on SwiftShader against the ops.
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import * as tf from "@tensorflow/tfjs-core";

let enabled = true;

/** Switches the fused kernels on or off (off: the model's ops, to compare the two). Returns the previous setting. */
export function setFusedKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/**
 * The mean softmax cross-entropy of `scores` (N × C) against the labels `y` (N, int32), and its
 * gradient with respect to the scores, (softmax − onehot) / N. Each row is shifted by its max before
 * the exponentials, as the ops do. Undefined, having done nothing, on a backend without them or
 * while they are switched off.
 */
export function fusedSoftmaxCrossEntropy(
  scores: tf.Tensor2D,
  y: tf.Tensor1D,
): { dataLoss: tf.Scalar; dScores: tf.Tensor2D } | undefined {
  if (!enabled || scores.dtype !== "float32" || y.dtype !== "int32") return undefined;
  const backend = tf.getBackend();
  if (backend === "wasm") return onWasm(scores, y);
  if (backend === "webgpu") return onWebgpu(scores, y);
  return undefined;
}

/**
 * Throws unless every label is a class 0 to C − 1. (The oneHot these kernels replace ignored such a
 * label; they would read and write into the next row.)
 */
function checkLabels(labels: ArrayLike<number>, C: number): void {
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row] as number;
    if (!(label >= 0 && label < C)) throw new Error(`label ${label} of row ${row} is not a class 0–${C - 1}`);
  }
}

/** Row by row (its max, its exponentials, their scale: each row's 10 values stay in cache), sums in float64. */
function onWasm(scores: tf.Tensor2D, y: tf.Tensor1D) {
  const [N, C] = scores.shape;
  const backend = tf.backend() as BackendWasm;
  // Checked before the output exists: no tensor would own it after a throw.
  checkLabels(backend.typedArrayFromHeap(y) as Int32Array, C);
  const out = backend.makeOutput([N, C], "float32");
  // (Views after the allocation: it may have grown the heap.)
  const s = backend.typedArrayFromHeap(scores) as Float32Array;
  const labels = backend.typedArrayFromHeap(y) as Int32Array;
  const d = backend.typedArrayFromHeap(out) as Float32Array;
  let loss = 0;
  for (let row = 0, first = 0; row < N; row++, first += C) {
    let max = s[first] as number;
    for (let j = first + 1; j < first + C; j++) if ((s[j] as number) > max) max = s[j] as number;
    let sum = 0;
    for (let j = first; j < first + C; j++) {
      const e = Math.exp((s[j] as number) - max);
      d[j] = e;
      sum += e;
    }
    const label = first + (labels[row] as number);
    loss -= (s[label] as number) - max - Math.log(sum);
    const scale = 1 / (sum * N);
    for (let j = first; j < first + C; j++) d[j] = (d[j] as number) * scale;
    d[label] = (d[label] as number) - 1 / N;
  }
  return { dataLoss: tf.scalar(loss / N), dScores: tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D };
}

/** Rows per workgroup of the shaders below (one thread a row). */
const ROWS_PER_WORKGROUP = 64;

/**
 * One thread per row of the scores (a flat dispatch: TensorFlow.js calls main with the row's index):
 * its max, and the sum of exp(score − max). `gradient` writes the
 * row's (softmax − onehot) / N; otherwise the row's share of the mean loss, −log softmax(label) / N.
 */
class SoftmaxCrossEntropyProgram implements WebGPUProgram {
  variableNames = ["scores", "labels"];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROWS_PER_WORKGROUP, 1, 1];

  constructor(
    [N, C]: [number, number],
    private readonly gradient: boolean,
  ) {
    this.outputShape = gradient ? [N, C] : [N];
    this.dispatch = [Math.ceil(N / ROWS_PER_WORKGROUP), 1, 1];
    this.shaderKey = `trainqlSoftmaxCrossEntropy_${gradient}`;
  }

  getUserCode(): string {
    const write = this.gradient
      ? `let scale = 1.0 / (sum * f32(N));
         for (var j = 0; j < C; j = j + 1) {
           var g = exp(scores[first + j] - m) * scale;
           if (j == label) { g = g - 1.0 / f32(N); }
           result[first + j] = g;
         }`
      : "result[row] = (log(sum) + m - scores[first + label]) / f32(N);";
    return `
      fn main(row : i32) {
        let N = uniforms.scoresShape[0];
        let C = uniforms.scoresShape[1];
        if (row >= N) { return; }
        let first = row * C;
        let label = labels[row];
        if (label < 0 || label >= C) {
          var nanBits = 0x7fc00000u; // (a var: a constant NaN does not compile)
          let NAN = bitcast<f32>(nanBits);
          ${this.gradient ? "for (var j = 0; j < C; j = j + 1) { result[first + j] = NAN; }" : "result[row] = NAN;"}
          return;
        }
        var m = scores[first];
        for (var j = 1; j < C; j = j + 1) { m = max(m, scores[first + j]); }
        var sum = 0.0;
        for (var j = 0; j < C; j = j + 1) { sum = sum + exp(scores[first + j] - m); }
        ${write}
      }
    `;
  }
}

/**
 * Labels still on the host (a minibatch's, just made: the backend uploads on first use) are checked
 * before anything runs. Labels already on the GPU are not read back for it: a row whose label is
 * not a class gets a NaN loss and gradient, so the loss says something is wrong. (WGSL lets a device
 * assume there are no NaNs, so one might not keep them; SwiftShader's does, as tested.)
 */
function onWebgpu(scores: tf.Tensor2D, y: tf.Tensor1D) {
  const backend = tf.backend() as WebGPUBackend;
  const onHost = backend.tensorMap.get(y.dataId)?.values;
  if (onHost) checkLabels(onHost as Int32Array, scores.shape[1]);
  const run = (gradient: boolean) =>
    tf
      .engine()
      .makeTensorFromTensorInfo(
        backend.runWebGPUProgram(new SoftmaxCrossEntropyProgram(scores.shape, gradient), [scores, y], "float32"),
      );
  const rowLosses = run(false);
  const dataLoss = tf.sum(rowLosses) as tf.Scalar;
  rowLosses.dispose();
  return { dataLoss, dScores: run(true) as tf.Tensor2D };
}

/** Values per workgroup of the elementwise shader below (one thread a value). */
const VALUES_PER_WORKGROUP = 64;

/** beta · x + alpha · y, elementwise over tensors of one shape (an SGD update: x the parameter). */
class ScaledSumProgram implements WebGPUProgram {
  variableNames = ["x", "y"];
  outputShape: number[];
  shaderKey = "trainqlScaledSum";
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [VALUES_PER_WORKGROUP, 1, 1];
  size = true;
  uniforms = "beta : f32, alpha : f32,";

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    // (More workgroups than a dimension allows are spread over two by the backend.)
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(shape) / VALUES_PER_WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) { result[index] = uniforms.beta * x[index] + uniforms.alpha * y[index]; }
      }
    `;
  }
}

/**
 * beta · x + alpha · y in one kernel where fused (webgpu: an SGD update is then one pass over the
 * parameter instead of four, at H = 4096 each over 50 MB), else undefined, having done nothing.
 */
export function fusedScaledSum(x: tf.Tensor, y: tf.Tensor, beta: number, alpha: number): tf.Tensor | undefined {
  if (!enabled || tf.getBackend() !== "webgpu" || x.dtype !== "float32" || y.dtype !== "float32") return undefined;
  if (!tf.util.arraysEqual(x.shape, y.shape)) return undefined;
  const backend = tf.backend() as WebGPUBackend;
  const out = backend.runWebGPUProgram(new ScaledSumProgram(x.shape), [x, y], "float32", [
    { type: "float32", data: [beta] },
    { type: "float32", data: [alpha] },
  ]);
  return tf.engine().makeTensorFromTensorInfo(out);
}
