// The training step's small elementwise work on the WebAssembly backend, each piece as one pass of
// JavaScript over the tensors' memory on the heap, beside the BLAS kernels (blasKernels.ts).
//
// Why: written as TensorFlow.js ops, the softmax loss and its gradient are 15 kernels over N × 10
// values, and the ReLU's gradient two over N × H; each kernel call costs more than its arithmetic.
// Measured on 2 cores at batch 1000, H = 128: 1.05 ms and 0.8 ms a step (of ~14 ms) as ops, against
// ~0.1 ms each as one pass. NumPy does this work in a handful of vectorized calls.
//
// Used where the products run on the BLAS (blasKernelsActive), so that switching the BLAS kernels off
// gives the plain ops to compare with (blasKernels.test.ts). The model says the math in ops for every
// other backend (model/twoLayerNet.ts).
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { readsHostRows } from "./blasKernels.ts";

const heapValues = (t: tf.Tensor) => (tf.backend() as BackendWasm).typedArrayFromHeap(t);

/**
 * The mean softmax cross-entropy of `scores` (N × C) against the labels `y` (N, int32), and its
 * gradient with respect to the scores, (softmax − onehot) / N. Each row is shifted by its max before
 * the exponentials, as the ops do; sums are in float64. Undefined unless the BLAS kernels run.
 */
export function softmaxCrossEntropyInOnePass(
  scores: tf.Tensor2D,
  y: tf.Tensor1D,
): { loss: number; dScores: tf.Tensor2D } | undefined {
  if (!readsHostRows() || scores.dtype !== "float32" || y.dtype !== "int32") return undefined;
  const [N, C] = scores.shape;
  const backend = tf.backend() as BackendWasm;
  const out = backend.makeOutput([N, C], "float32");
  // (Views after the allocation: it may have grown the heap.)
  const s = heapValues(scores) as Float32Array;
  const labels = heapValues(y) as Int32Array;
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
  return { loss: loss / N, dScores: tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D };
}
