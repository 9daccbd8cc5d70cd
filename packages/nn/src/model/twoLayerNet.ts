// The two-layer network of the EECS 498 / CS231n assignment:
//   input (D) → affine (W1, b1) → ReLU → affine (W2, b2) → softmax over C classes,
// trained on softmax cross-entropy (mean over the batch) + reg · (ΣW1² + ΣW2²).
//
// The backward pass is written out by hand, as in the assignment: it reads as the math, and it does
// no more work than the math (autodiff would also differentiate with respect to the input images).
// Products with a transposed operand say so (`matMul(a, b, true)` is aᵀb) instead of transposing:
// a BLAS reads the operand transposed for free (see backend/blasKernels.ts).
import * as tf from "@tensorflow/tfjs-core";
import {
  type HostRows,
  hostRowsProduct,
  scaledAddInPlace,
  sgdUpdateInPlace,
  sumOfSquares,
} from "../backend/blasKernels.ts";
import { fusedScaledSum, fusedSoftmaxCrossEntropy } from "../backend/fusedKernels.ts";
import { type NetShape, PARAM_NAMES, type Params } from "../netParams.ts";
import { yieldToEventLoop } from "../training/eventLoop.ts";
import { rowsPerSlice } from "../training/memory.ts";
import { derivedSeed } from "../training/random.ts";

export { type NetShape, PARAM_NAMES, type Params };

/**
 * A minibatch's rows (N × D): a tensor on the backend, or rows in JavaScript memory where the native
 * BLAS runs the products (a minibatch gathered during the step before, see training/minibatches.ts).
 */
export type Rows = tf.Tensor2D | HostRows;

/** The rows as a tensor (a copy of host rows, for the kernels that cannot read them in place). */
function rowsTensor(X: Rows): tf.Tensor2D {
  return X instanceof tf.Tensor ? X : tf.tensor2d(X.values, [X.count, X.values.length / X.count]);
}

export interface LossAndGrads {
  loss: tf.Scalar;
  grads: Params<tf.Tensor>;
}

/** The fraction of positions where `predicted` equals `y` (over predicted's length). */
export function fractionEqual(predicted: ArrayLike<number>, y: ArrayLike<number>): number {
  let equal = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === y[i]) equal++;
  return equal / predicted.length;
}

/**
 * ΣW², on the BLAS where it runs the products (one pass over W instead of three). Elsewhere by rows
 * first: TensorFlow.js' WebGPU backend reduces each output in one workgroup, so a sum of all of W
 * runs on one of the GPU's 132 multiprocessors (on the H200, 9.4 of a 13.4 ms step at H = 4096).
 */
function squaredNorm(W: tf.Tensor): tf.Scalar {
  const native = sumOfSquares(W);
  return native === undefined ? tf.sum(tf.sum(tf.square(W), -1)) : tf.scalar(native);
}

/**
 * The mean softmax cross-entropy of `scores` (N × C) against labels `y`, and its gradient with
 * respect to the scores, (softmax − onehot) / N: fused on the backends that have it
 * (fusedKernels.ts), else as the ops below.
 */
function softmaxCrossEntropy(
  scores: tf.Tensor2D,
  y: tf.Tensor1D,
  numClasses: number,
): { dataLoss: tf.Scalar; dScores: tf.Tensor2D } {
  const fused = fusedSoftmaxCrossEntropy(scores, y);
  if (fused) return fused;
  const N = scores.shape[0];
  // Scores shifted by their row max for numerical stability.
  const shifted = tf.sub(scores, tf.max(scores, 1, true));
  const logProbs = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  // (oneHot then cast: the wasm OneHot kernel ignores a float32 dtype and writes int32 bits.)
  const yOneHot = tf.cast(tf.oneHot(y, numClasses), "float32");
  return {
    dataLoss: tf.div(tf.neg(tf.sum(tf.mul(yOneHot, logProbs))), N),
    dScores: tf.div(tf.sub(tf.exp(logProbs), yOneHot), N),
  };
}

/** beta·x + alpha·y: one kernel where fused (fusedKernels.ts), else as ops. */
function scaledSum<T extends tf.Tensor>(x: T, y: T, beta: number, alpha: number): T {
  const fused = fusedScaledSum(x, y, beta, alpha) as T | undefined;
  if (fused) return fused;
  const scaledY = tf.mul(alpha, y);
  return (beta === 1 ? tf.add(x, scaledY) : tf.add(tf.mul(beta, x), scaledY)) as T;
}

/** dW = aᵀ·b + 2·reg·W: the gradient of a weight matrix W whose layer's input is a, output gradient b. */
function weightGradient(W: tf.Tensor, a: tf.Tensor2D, b: tf.Tensor2D, reg: number): tf.Tensor {
  return tf.add(tf.matMul(a, b, true), tf.mul(2 * reg, W));
}

/** sum ← sum + aᵀ·b: in sum's memory where the BLAS runs the products (see sgdUpdateInPlace). */
function addProduct(sum: tf.Variable, a: Rows, b: tf.Tensor2D): void {
  if (!sgdUpdateInPlace(sum, a, b, 1, 1)) sum.assign(tf.add(sum, tf.matMul(rowsTensor(a), b, true)));
}

/** Rows [start, start + count) of X: a view where they are host rows. */
function sliceOf(X: Rows, start: number, count: number): Rows {
  if (X instanceof tf.Tensor) return tf.slice(X, [start, 0], [count, X.shape[1]]);
  const D = X.values.length / X.count;
  return { values: X.values.subarray(start * D, (start + count) * D), count };
}

export class TwoLayerNet {
  readonly shape: NetShape;
  readonly params: Params<tf.Variable>;

  private constructor(shape: NetShape, params: Params<tf.Tensor>) {
    this.shape = shape;
    // Variables so that SGD updates in place (assign) instead of swapping tensors around.
    this.params = {
      W1: tf.variable(params.W1),
      b1: tf.variable(params.b1),
      W2: tf.variable(params.W2),
      b2: tf.variable(params.b2),
    };
  }

  /** W = weightScale · N(0, 1), b = 0, seeded (the same seed gives the same weights on every backend). */
  static create(shape: NetShape, { weightScale = 1e-4, seed = 0 } = {}): TwoLayerNet {
    const { inputSize: D, hiddenSize: H, numClasses: C } = shape;
    const params = tf.tidy(() => ({
      W1: tf.randomNormal([D, H], 0, weightScale, "float32", derivedSeed(seed, "W1")),
      b1: tf.zeros([H]),
      W2: tf.randomNormal([H, C], 0, weightScale, "float32", derivedSeed(seed, "W2")),
      b2: tf.zeros([C]),
    }));
    const net = new TwoLayerNet(shape, params);
    tf.dispose(Object.values(params));
    return net;
  }

  /** A network holding the given parameter values (e.g. from a checkpoint). */
  static fromValues(shape: NetShape, values: Params<Float32Array>): TwoLayerNet {
    const { inputSize: D, hiddenSize: H, numClasses: C } = shape;
    const params = {
      W1: tf.tensor2d(values.W1, [D, H]),
      b1: tf.tensor1d(values.b1),
      W2: tf.tensor2d(values.W2, [H, C]),
      b2: tf.tensor1d(values.b2),
    };
    const net = new TwoLayerNet(shape, params);
    tf.dispose(Object.values(params));
    return net;
  }

  /** Class scores (N × C) for a batch X (N × D). */
  scores(X: Rows): tf.Tensor2D {
    return tf.tidy(() => {
      const { W2, b2 } = this.params;
      return tf.fused.matMul({ a: this.hiddenLayer(X), b: W2, bias: b2 }) as tf.Tensor2D;
    });
  }

  /**
   * Whether the class scores of the first `count` rows of X are all finite numbers. (Their sum: a
   * NaN or an infinity anywhere makes it one, and scores so large that it overflows are no model.)
   */
  async scoresFinite(X: Rows, count: number): Promise<boolean> {
    const sum = tf.tidy(() => tf.sum(this.scores(sliceOf(X, 0, count))));
    const [value] = await sum.data();
    sum.dispose();
    return Number.isFinite(value);
  }

  /** Loss and gradients on a minibatch: X (N × D) float32, y (N) int32 labels. */
  lossAndGrads(X: tf.Tensor2D, y: tf.Tensor1D, reg: number): LossAndGrads {
    return tf.tidy(() => {
      const { dataLoss, hidden, dScores, dHidden, db1, db2 } = this.backward(X, y);
      const loss = tf.add(dataLoss, this.regLoss(reg)) as tf.Scalar;
      const { W1, W2 } = this.params;
      const grads = {
        W1: weightGradient(W1, X, dHidden, reg),
        b1: db1,
        W2: weightGradient(W2, hidden, dScores, reg),
        b2: db2,
      };
      return { loss, grads };
    });
  }

  /** One SGD step: W ← W − lr · dW for every parameter. Returns the minibatch loss (before the step). */
  sgdStep(X: Rows, y: tf.Tensor1D, learningRate: number, reg: number): tf.Scalar {
    return tf.tidy(() => {
      const { dataLoss, hidden, dScores, dHidden, db1, db2 } = this.backward(X, y);
      const loss = tf.add(dataLoss, this.regLoss(reg)) as tf.Scalar;
      const { W1, b1, W2, b2 } = this.params;
      // W − lr·(aᵀb + 2·reg·W) = (1 − 2·lr·reg)·W − lr·aᵀb: where the BLAS runs the products, one
      // GEMM applies it in place (see sgdUpdateInPlace), else the product and one scaled sum.
      for (const [W, a, b] of [
        [W1, X, dHidden],
        [W2, hidden, dScores],
      ] as const) {
        const decay = 1 - 2 * learningRate * reg;
        if (!sgdUpdateInPlace(W, a, b, -learningRate, decay))
          W.assign(scaledSum(W as tf.Tensor, tf.matMul(rowsTensor(a), b, true), decay, -learningRate));
      }
      b1.assign(scaledSum(b1 as tf.Tensor, db1, 1, -learningRate));
      b2.assign(scaledSum(b2 as tf.Tensor, db2, 1, -learningRate));
      return loss;
    });
  }

  /**
   * One SGD step as sgdStep, over the minibatch in slices of `sliceRows` rows whose gradients are
   * summed before the update, awaiting `between()` after each slice. A backend that computes on the
   * host's thread (wasm, cpu, node) holds it for a whole step: at 40,000 rows and H = 8,192, 27 s
   * on a 2-core EPYC (measured) without a timer firing, so a trainer's heartbeats stopped and its
   * run was taken for dead. In slices, timers run after each one, and the activations are a slice's:
   * on a GPU, within the largest buffer it makes (see stepSliceRows).
   * The parameters change only after the last slice: should `between()` throw (a cancel), the step
   * is undone by doing nothing. The same step up to float32 summation order, the same for the same
   * `sliceRows` (a resumed run takes the same bits).
   */
  async slicedSgdStep(
    X: Rows,
    labels: Int32Array,
    learningRate: number,
    reg: number,
    sliceRows: number,
    between: () => Promise<void>,
  ): Promise<tf.Scalar> {
    const N = labels.length;
    const { W1, b1, W2, b2 } = this.params;
    // Σ over the slices: the losses, the weight gradients' products and the bias gradients. (Made in
    // a tidy, so that each variable alone holds its memory, and the BLAS adds products in place.)
    const sums = tf.tidy(() => ({
      loss: tf.variable(tf.scalar(0), false),
      W1: tf.variable(tf.zeros(W1.shape), false),
      b1: tf.variable(tf.zeros(b1.shape), false),
      W2: tf.variable(tf.zeros(W2.shape), false),
      b2: tf.variable(tf.zeros(b2.shape), false),
    }));
    try {
      for (let start = 0; start < N; start += sliceRows) {
        const count = Math.min(sliceRows, N - start);
        tf.tidy(() => {
          const Xs = sliceOf(X, start, count);
          const ys = tf.tensor1d(labels.subarray(start, start + count), "int32");
          const { dataLoss, hidden, dScores, dHidden, db1, db2 } = this.backward(Xs, ys, count / N);
          sums.loss.assign(tf.add(sums.loss, dataLoss));
          addProduct(sums.W1, Xs, dHidden);
          addProduct(sums.W2, hidden, dScores);
          sums.b1.assign(tf.add(sums.b1, db1));
          sums.b2.assign(tf.add(sums.b2, db2));
        });
        await between();
      }
      const loss = tf.tidy(() => tf.add(sums.loss, this.regLoss(reg)) as tf.Scalar); // (of the parameters before the step)
      const decay = 1 - 2 * learningRate * reg;
      // One parameter at a time, so that one's temporaries are gone before the next one's; in place
      // where the BLAS runs.
      for (const [param, sum, beta] of [
        [W1, sums.W1, decay],
        [W2, sums.W2, decay],
        [b1, sums.b1, 1],
        [b2, sums.b2, 1],
      ] as const) {
        if (!scaledAddInPlace(param, sum, beta, -learningRate))
          tf.tidy(() => param.assign(scaledSum(param as tf.Tensor, sum as tf.Tensor, beta, -learningRate)));
      }
      return loss;
    } finally {
      tf.dispose(Object.values(sums));
    }
  }

  /** reg · (ΣW1² + ΣW2²), the L2 term of the loss. */
  private regLoss(reg: number): tf.Scalar {
    const { W1, W2 } = this.params;
    return tf.mul(reg, tf.add(squaredNorm(W1), squaredNorm(W2)));
  }

  /**
   * The forward and backward pass on a minibatch, up to the weight gradients' products: the data
   * loss, and the factors of dW1 = Xᵀ·dHidden + 2·reg·W1 and dW2 = hiddenᵀ·dScores + 2·reg·W2.
   * `share`: the rows' part of the whole minibatch when they are one slice of it (its loss is a
   * mean over all its rows).
   */
  private backward(X: Rows, y: tf.Tensor1D, share = 1) {
    const { W2, b2 } = this.params;

    // Forward pass.
    const hidden = this.hiddenLayer(X); // N × H
    const scores = tf.fused.matMul({ a: hidden, b: W2, bias: b2 }) as tf.Tensor2D; // N × C
    let { dataLoss, dScores } = softmaxCrossEntropy(scores, y, this.shape.numClasses);
    if (share !== 1) [dataLoss, dScores] = [tf.mul(dataLoss, share), tf.mul(dScores, share)];

    // Backward pass, from dScores = d(loss)/d(scores).
    const db2 = tf.sum(dScores, 0);
    // ReLU passes the gradient where its input was positive, i.e. where its output is.
    const dHidden = tf.mul(tf.matMul(dScores, W2, false, true), tf.step(hidden)) as tf.Tensor2D;
    const db1 = tf.sum(dHidden, 0);
    return { dataLoss, hidden, dScores, dHidden, db1, db2 };
  }

  /**
   * relu(X·W1 + b1), as one fused product (one pass over N × H). Host rows are read in place by the
   * BLAS: as a tensor they would first be copied onto the WebAssembly heap.
   */
  private hiddenLayer(X: Rows): tf.Tensor2D {
    const { W1, b1 } = this.params;
    const fused = (a: tf.Tensor2D) => tf.fused.matMul({ a, b: W1, bias: b1, activation: "relu" }) as tf.Tensor2D;
    if (X instanceof tf.Tensor) return fused(X);
    return hostRowsProduct(X.values, X.count, W1 as tf.Tensor2D, b1 as tf.Tensor1D, "relu") ?? fused(rowsTensor(X));
  }

  /**
   * Predicted labels for the rows of X (N × D): host rows as `predict`; a tensor's in slices awaiting
   * `between()` after each when it is given, else as predictTensor (a GPU's minibatch: one read).
   */
  async predictRows(X: Rows, between?: () => Promise<void>): Promise<Int32Array> {
    if (!(X instanceof tf.Tensor)) return await this.predict(X.values, X.count, between);
    if (between) return await this.predictInSlices(X, X.shape[0], between);
    return await this.predictTensor(X);
  }

  /**
   * Predicted labels for `n` rows of features (row-major, n × D), computed in slices (the rows read
   * in place where the native BLAS runs the products, see hiddenLayer), awaiting `between()` after
   * each: by default a turn of the event loop (the test set at H = 8,192 is ten slices of ~0.3 s on
   * a 2-core CPU).
   */
  async predict(x: Float32Array, n: number, between = yieldToEventLoop): Promise<Int32Array> {
    return await this.predictInSlices({ values: x.subarray(0, n * this.shape.inputSize), count: n }, n, between);
  }

  /** The labels of X's n rows, slice by slice; with `confidence` given, also each label's softmax probability into it. */
  private async predictInSlices(
    X: Rows,
    n: number,
    between: () => Promise<void>,
    confidence?: Float32Array,
  ): Promise<Int32Array> {
    const out = new Int32Array(n);
    const slice = rowsPerSlice(this.shape.hiddenSize);
    for (let start = 0; start < n; start += slice) {
      const count = Math.min(slice, n - start);
      const [labels, max] = tf.tidy((): [tf.Tensor, tf.Tensor?] => {
        const scores = this.scores(sliceOf(X, start, count));
        return confidence ? [tf.argMax(scores, 1), tf.max(tf.softmax(scores), 1)] : [tf.argMax(scores, 1)];
      });
      try {
        out.set((await labels.data<"int32">()) as Int32Array, start);
        if (confidence && max) confidence.set((await max.data<"float32">()) as Float32Array, start);
      } finally {
        tf.dispose(max ? [labels, max] : labels);
      }
      await between();
    }
    return out;
  }

  /**
   * Predicted labels for `n` rows of features, as `predict`, each with the softmax probability the
   * model gives it (what a mistake's confidence is).
   */
  async predictWithConfidence(
    x: Float32Array,
    n: number,
    between = yieldToEventLoop,
  ): Promise<{ labels: Int32Array; confidence: Float32Array }> {
    const confidence = new Float32Array(n);
    const X: Rows = { values: x.subarray(0, n * this.shape.inputSize), count: n };
    const labels = await this.predictInSlices(X, n, between, confidence);
    return { labels, confidence };
  }

  /**
   * Predicted labels for the rows of a tensor already on the backend (N × D), computed in chunks.
   * Every chunk is queued before the labels are read: one round trip to the device, not one a chunk
   * (on an H200 the 10,000-row pass took 18.7 ms in ten round trips; PyTorch's took 5.5 ms).
   */
  async predictTensor(X: tf.Tensor2D): Promise<Int32Array> {
    const [n, D] = X.shape;
    const chunk = rowsPerSlice(this.shape.hiddenSize);
    const labels = tf.tidy(() => {
      const parts: tf.Tensor1D[] = [];
      for (let start = 0; start < n; start += chunk) {
        const rows = tf.slice(X, [start, 0], [Math.min(chunk, n - start), D]);
        // (Each chunk's activations go as soon as its labels are computed.)
        parts.push(tf.tidy(() => tf.argMax(this.scores(rows), 1)));
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts);
    });
    const values = (await labels.data<"int32">()) as Int32Array;
    labels.dispose();
    return values;
  }

  /** Fraction of the `n` rows whose predicted label equals `y`. */
  async accuracy(x: Float32Array, y: ArrayLike<number>, n: number, between?: () => Promise<void>): Promise<number> {
    return fractionEqual(await this.predict(x, n, between), y);
  }

  /** Parameter values copied out of the backend. */
  async values(): Promise<Params<Float32Array>> {
    const [W1, b1, W2, b2] = await Promise.all(PARAM_NAMES.map((n) => this.params[n].data<"float32">()));
    return { W1: W1 as Float32Array, b1: b1 as Float32Array, W2: W2 as Float32Array, b2: b2 as Float32Array };
  }

  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}
