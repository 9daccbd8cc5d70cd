// Shared by the tests: temporary folders, a tiny generated CIFAR-10, and checks run on several backends.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, expect } from "vitest";
import { fusedSoftmaxCrossEntropy, setFusedKernels } from "../src/backend/fusedKernels.ts";
import { TwoLayerNet, writeSyntheticCifar10 } from "./nn.ts";

/** A temporary directory removed after the test file. */
export async function tempDir(prefix = "trainql-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const TINY_RECORDS = 100;

/** Six batch files of TINY_RECORDS records: 400 train, 100 val, 100 test rows. */
export async function tinyCifar10(seed = 0): Promise<string> {
  const dir = await tempDir("trainql-cifar-");
  return writeSyntheticCifar10(dir, { recordsPerBatch: TINY_RECORDS, seed });
}

/**
 * The fused softmax cross-entropy on the current backend (fusedKernels.ts) against values worked out
 * by hand, and the model's step using it: with it, no one-hot kernel runs; switched off, the ops do.
 */
export async function checkFusedSoftmaxCrossEntropy(): Promise<void> {
  const y = tf.tensor1d([0, 2, 1], "int32");
  // Row 0 puts all its mass on its label (exp(1000) would overflow unshifted); row 1's label has
  // softmax 1 / (e⁻² + e⁻¹ + 1); row 2's 1/3. The gradient is (softmax − onehot) / N.
  const scores = tf.tensor2d([
    [1000, 0, -1000],
    [1, 2, 3],
    [0.5, 0.5, 0.5],
  ]) as tf.Tensor2D;
  const fused = fusedSoftmaxCrossEntropy(scores, y);
  if (!fused) return expect.fail(`no fused softmax cross-entropy on ${tf.getBackend()}`);
  const sum1 = Math.exp(-2) + Math.exp(-1) + 1;
  expect((await fused.dataLoss.data())[0]).toBeCloseTo((0 + Math.log(sum1) + Math.log(3)) / 3, 5);
  const expected = [
    [0, 0, 0],
    [Math.exp(-2) / sum1, Math.exp(-1) / sum1, 1 / sum1 - 1],
    [1 / 3, 1 / 3 - 1, 1 / 3],
  ].flatMap((row) => row.map((v) => v / 3));
  const actual = await fused.dScores.data();
  for (const [i, v] of expected.entries()) expect(actual[i]).toBeCloseTo(v, 6);
  const diverged = tf.tensor2d([
    [Number.NaN, 0, 0],
    [1, 2, 3],
    [0, 0, 0],
  ]) as tf.Tensor2D;
  const nan = fusedSoftmaxCrossEntropy(diverged, y)!;
  expect((await nan.dataLoss.data())[0]).toBeNaN();
  tf.dispose([y, scores, diverged, fused.dataLoss, fused.dScores, nan.dataLoss, nan.dScores]);

  const net = TwoLayerNet.create({ inputSize: 20, hiddenSize: 8, numClasses: 10 }, { weightScale: 1e-1, seed: 2 });
  const X = tf.randomUniform([6, 20], -1, 1, "float32", 3) as tf.Tensor2D;
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5], "int32");
  const kernelsOfStep = async () => {
    const { kernels, result } = await tf.profile(() => {
      const { loss, grads } = net.lossAndGrads(X, labels, 1e-3);
      return [loss, ...Object.values(grads)];
    });
    tf.dispose(result as tf.Tensor[]);
    return kernels.map((k) => k.name);
  };
  expect(await kernelsOfStep()).not.toContain("OneHot");
  const previous = setFusedKernels(false);
  try {
    expect(fusedSoftmaxCrossEntropy(tf.zeros([2, 2]) as tf.Tensor2D, tf.tensor1d([0, 1], "int32"))).toBeUndefined();
    expect(await kernelsOfStep()).toContain("OneHot");
  } finally {
    setFusedKernels(previous);
  }
  tf.dispose([X, labels]);
  net.dispose();
}
