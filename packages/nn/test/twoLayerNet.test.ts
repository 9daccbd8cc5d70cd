import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { setBlasKernels } from "../src/backend/blasKernels.ts";
import { fusedSoftmaxCrossEntropy, setFusedKernels } from "../src/backend/fusedKernels.ts";
import { rowsPerSlice } from "../src/training/memory.ts";
import { checkFusedSoftmaxCrossEntropy } from "./fixtures.ts";
import { initBackend, PARAM_NAMES, TwoLayerNet } from "./nn.ts";

// A small net with weights of order 1, so activations and gradients are far from float32's noise.
const shape = { inputSize: 15, hiddenSize: 8, numClasses: 10 };
const N = 6;
const reg = 0.05;

function batch() {
  return tf.tidy(() => ({
    X: tf.randomNormal([N, shape.inputSize], 0, 1, "float32", 11) as tf.Tensor2D,
    y: tf.tensor1d([0, 3, 9, 3, 5, 1], "int32"),
  }));
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("TwoLayerNet", () => {
  it("initialises W with std weightScale and b with zeros", async () => {
    const net = TwoLayerNet.create({ inputSize: 3072, hiddenSize: 50, numClasses: 10 }, { weightScale: 1e-4, seed: 1 });
    const v = await net.values();
    const mean = v.W1.reduce((s, w) => s + w, 0) / v.W1.length;
    const std = Math.sqrt(v.W1.reduce((s, w) => s + (w - mean) ** 2, 0) / v.W1.length);
    expect(std).toBeGreaterThan(0.97e-4);
    expect(std).toBeLessThan(1.03e-4);
    expect(v.b1.every((b) => b === 0) && v.b2.every((b) => b === 0)).toBe(true);
    net.dispose();
  });

  it("starts at loss ≈ ln(10) with tiny weights and no regularisation", async () => {
    const net = TwoLayerNet.create(shape, { weightScale: 1e-4, seed: 0 });
    const { X, y } = batch();
    const { loss, grads } = net.lossAndGrads(X, y, 0);
    expect((await loss.data())[0]).toBeCloseTo(Math.log(10), 4);
    tf.dispose([X, y, loss, ...Object.values(grads)]);
    net.dispose();
  });

  it("fuses the softmax cross-entropy as worked out by hand, and its step uses it", async () => {
    await checkFusedSoftmaxCrossEntropy();
  });

  it("refuses a label that is not a class in the fused softmax, keeping nothing of the call", () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const scores = tf.zeros([3, 10]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 10, 2], "int32");
    const before = backend.numDataIds();
    for (let i = 0; i < 3; i++)
      expect(() => fusedSoftmaxCrossEntropy(scores, y)).toThrow("label 10 of row 1 is not a class 0–9");
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([scores, y]);
  });

  // On the WebAssembly backend with its BLAS and fused kernels (see blasKernels.ts, fusedKernels.ts)
  // and with the stock ones.
  it.each([
    ["BLAS and fused", true],
    ["stock", false],
  ])("has analytic gradients that match centered differences of the loss (%s kernels)", async (_, blas) => {
    const previous = setBlasKernels(blas);
    const previousFused = setFusedKernels(blas);
    const net = TwoLayerNet.create(shape, { weightScale: 0.5, seed: 7 });
    const { X, y } = batch();
    const { loss, grads } = net.lossAndGrads(X, y, reg);
    const analytic = Object.fromEntries(await Promise.all(PARAM_NAMES.map(async (n) => [n, await grads[n].data()])));
    tf.dispose([loss, ...Object.values(grads)]);

    // Centered differences in float32. The loss (≈ 3) carries a rounding error of ~1e-6, which the
    // division by 2h = 2e-2 turns into ~5e-5; the O(h²) truncation term is ~1e-4 for this net. So a
    // correct gradient agrees within 1e-3 absolute + 1% relative, while a wrong term (a missing
    // factor 2 on the regulariser, a transposed product, a sign) is off by far more.
    const h = 1e-2;
    const lossAt = () => {
      const l = net.lossAndGrads(X, y, reg);
      const v = l.loss.dataSync()[0] as number;
      tf.dispose([l.loss, ...Object.values(l.grads)]);
      return v;
    };
    let worst = 0;
    for (const name of PARAM_NAMES) {
      const param = net.params[name];
      const values = await param.data();
      for (let i = 0; i < values.length; i++) {
        const original = values[i] as number;
        const nudged = Float32Array.from(values);
        nudged[i] = original + h;
        param.assign(tf.tensor(nudged, param.shape));
        const plus = lossAt();
        nudged[i] = original - h;
        param.assign(tf.tensor(nudged, param.shape));
        const minus = lossAt();
        nudged[i] = original;
        param.assign(tf.tensor(nudged, param.shape));
        const numeric = (plus - minus) / (2 * h);
        const a = analytic[name]![i] as number;
        const err = Math.abs(a - numeric) - 1e-2 * Math.abs(numeric);
        worst = Math.max(worst, err);
        expect(err, `${name}[${i}]: analytic ${a}, numeric ${numeric}`).toBeLessThan(1e-3);
      }
    }
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([X, y]);
    net.dispose();
    setBlasKernels(previous);
    setFusedKernels(previousFused);
  });

  // With the BLAS, the weight matrices' update is one in-place GEMM (sgdUpdateInPlace) rather than the
  // gradient formed and subtracted: the same arithmetic in another order, so equal up to float32
  // rounding of values of this size (|W| < 4: an ulp is < 5e-7).
  it.each([
    ["BLAS", true],
    ["stock", false],
  ])("applies W ← W − lr·dW to every parameter on an SGD step (%s kernels)", async (_, blas) => {
    const previous = setBlasKernels(blas);
    const net = TwoLayerNet.create(shape, { weightScale: 0.5, seed: 2 });
    const { X, y } = batch();
    const before = await net.values();
    const { loss, grads } = net.lossAndGrads(X, y, reg);
    const dW = Object.fromEntries(await Promise.all(PARAM_NAMES.map(async (n) => [n, await grads[n].data()])));
    const lossBefore = (await loss.data())[0];
    tf.dispose([loss, ...Object.values(grads)]);
    const stepLoss = net.sgdStep(X, y, 0.1, reg);
    expect((await stepLoss.data())[0]).toBe(lossBefore);
    stepLoss.dispose();
    const after = await net.values();
    for (const name of PARAM_NAMES) {
      for (let i = 0; i < before[name].length; i++)
        expect(after[name][i], `${name}[${i}]`).toBeCloseTo(before[name][i]! - 0.1 * dW[name]![i]!, 6);
    }
    tf.dispose([X, y]);
    net.dispose();
    setBlasKernels(previous);
  });

  // The slices' gradients are summed before the update: the same arithmetic as one step, in another
  // order, so equal up to float32 rounding (|W| < 4, the loss ≈ 3: an ulp is < 5e-7). Six rows in
  // slices of 4 and 2, so a slice's share of the mean is not the same for all of them. With the BLAS
  // the rows are host rows, read in place (as a trainer's minibatches), else a tensor.
  it.each([
    ["BLAS, host rows", true],
    ["stock, a tensor", false],
  ])("takes a step in slices as one step, changing nothing if stopped between them (%s)", async (_, blas) => {
    const previous = setBlasKernels(blas);
    const whole = TwoLayerNet.create(shape, { weightScale: 0.5, seed: 4 });
    const sliced = TwoLayerNet.create(shape, { weightScale: 0.5, seed: 4 });
    const { X, y } = batch();
    const labels = (await y.data()) as Int32Array;
    const rows = blas ? { values: (await X.data()) as Float32Array, count: N } : X;
    const before = await sliced.values();
    const tensors = tf.memory().numTensors;

    // Stopped after its first slice: nothing changed, nothing left behind.
    await expect(
      sliced.slicedSgdStep(rows, labels, 0.1, reg, 4, async () => {
        throw new Error("cancelled");
      }),
    ).rejects.toThrow("cancelled");
    expect(await sliced.values()).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);

    let slices = 0;
    const slicedLoss = await sliced.slicedSgdStep(rows, labels, 0.1, reg, 4, async () => {
      slices++;
    });
    const wholeLoss = whole.sgdStep(X, y, 0.1, reg);
    expect(slices).toBe(2);
    expect((await slicedLoss.data())[0]).toBeCloseTo((await wholeLoss.data())[0]!, 6);
    tf.dispose([slicedLoss, wholeLoss]);
    expect(tf.memory().numTensors).toBe(tensors);
    const [a, b] = [await sliced.values(), await whole.values()];
    for (const name of PARAM_NAMES) {
      expect(a[name]).not.toEqual(before[name]);
      for (let i = 0; i < a[name].length; i++) expect(a[name][i], `${name}[${i}]`).toBeCloseTo(b[name][i]!, 6);
    }
    tf.dispose([X, y]);
    whole.dispose();
    sliced.dispose();
    setBlasKernels(previous);
  });

  it("predicts the argmax class, in chunks, for any number of rows", async () => {
    // A hidden layer wide enough that chunks are 1,000 rows: 2,500 rows are two full chunks and a part.
    const wide = { ...shape, hiddenSize: 4200 };
    expect(rowsPerSlice(wide.hiddenSize)).toBe(1000);
    const net = TwoLayerNet.create(wide, { weightScale: 0.5, seed: 3 });
    const rows = 2500;
    const x = new Float32Array(rows * wide.inputSize).map((_, i) => Math.sin(i));
    const predicted = await net.predict(x, rows);
    const X = tf.tensor2d(x, [rows, wide.inputSize]);
    const expected = tf.tidy(() => tf.argMax(net.scores(X), 1));
    expect(Array.from(predicted)).toEqual(Array.from(await expected.data()));
    // From rows already on the backend (a GPU's validation pass), in the same chunks, read once.
    const before = tf.memory().numTensors;
    expect(Array.from(await net.predictTensor(X))).toEqual(Array.from(await expected.data()));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([X, expected]);
    net.dispose();
  });
});
