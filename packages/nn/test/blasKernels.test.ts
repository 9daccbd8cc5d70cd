// The BLAS kernels against the stock WebAssembly kernels they stand in for: the same results up to
// float32 rounding, over the shapes and flags the ops accept, and the same training run.
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { blasKernelsActive, hostRowsProduct, scaledAddInPlace, setBlasKernels } from "../src/backend/blasKernels.ts";
import { setFusedKernels } from "../src/backend/fusedKernels.ts";
import { loadBlas, productThreads, splitsProduct } from "../src/backend/openBlas.ts";
import { backendOptionsOf, readEngineEnv } from "../src/cli/env.ts";
import { PIXELS_PER_IMAGE } from "../src/data/cifar10.ts";
import { batchTensor, minibatches, sampleBatch } from "../src/training/minibatches.ts";
import { type BackendInfo, initBackend, PARAM_NAMES, TwoLayerNet } from "./nn.ts";

let info: BackendInfo;
beforeAll(async () => {
  info = await initBackend("wasm", backendOptionsOf(readEngineEnv()));
});
afterEach(() => {
  setBlasKernels(true);
  setFusedKernels(true);
});

/** f's result with the BLAS (and fused) kernels and with the stock ones. */
function bothWays(f: () => tf.Tensor): [Float32Array, Float32Array, number[]] {
  const run = (blas: boolean) => {
    setBlasKernels(blas);
    setFusedKernels(blas);
    const t = f();
    const out = { values: t.dataSync() as Float32Array, shape: t.shape };
    t.dispose();
    return out;
  };
  const blas = run(true);
  const stock = run(false);
  expect(blas.shape).toEqual(stock.shape);
  return [blas.values, stock.values, blas.shape];
}

/** Equal up to float32 rounding of sums of `terms` terms of size ≤ `scale`. */
function expectClose(actual: Float32Array, expected: Float32Array, terms: number, scale = 1) {
  expect(actual.length).toBe(expected.length);
  const tolerance = 1e-6 * Math.max(1, terms) * scale;
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tolerance)
      expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`);
  }
}

const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, "float32", seed);

describe("BLAS kernels on the WebAssembly backend", () => {
  it("are in use (install OpenBLAS, or set TRAINQL_BLAS=off to test the fallback on its own)", () => {
    if (process.env.TRAINQL_BLAS === "off") {
      expect(blasKernelsActive()).toBe(false);
      expect(info.warnings.join("\n")).toMatch(/TRAINQL_BLAS=off/);
    } else {
      expect(blasKernelsActive(), info.warnings.join("\n")).toBe(true);
      expect(info.device).toMatch(/matrix products on .*thread/);
      expect(info.warnings).toEqual([]);
    }
  });

  it("multiply as the stock kernel does, for any shapes, batch dimensions and transposes", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 0, max: 33 }),
          k: fc.integer({ min: 0, max: 70 }),
          n: fc.integer({ min: 0, max: 33 }),
          batchA: fc.constantFrom([], [1], [3], [2, 3]),
          broadcastB: fc.boolean(),
          transposeA: fc.boolean(),
          transposeB: fc.boolean(),
          seed: fc.nat(1000),
        }),
        ({ m, k, n, batchA, broadcastB, transposeA, transposeB, seed }) => {
          const batchB = broadcastB ? batchA.map(() => 1) : batchA;
          const [actual, expected, shape] = bothWays(() =>
            tf.tidy(() => {
              const a = seeded([...batchA, ...(transposeA ? [k, m] : [m, k])], seed);
              const b = seeded([...batchB, ...(transposeB ? [n, k] : [k, n])], seed + 1);
              return tf.matMul(a, b, transposeA, transposeB);
            }),
          );
          expect(shape).toEqual([...batchA, m, n]);
          // An empty inner dimension makes an empty sum, 0; the stock kernel leaves whatever was in memory.
          if (k === 0) expect(actual.every((v) => v === 0)).toBe(true);
          else expectClose(actual, expected, k);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("run skinny products on one thread, the others on all (the shapes above cross the line)", () => {
    // A step's products at H = 128 and 2 threads: the H × 10 ones on one, the 1000 × 128 × 3072 on both.
    expect([
      productThreads(1000, 10, 128, 2),
      productThreads(1000, 128, 10, 2),
      productThreads(128, 10, 1000, 2),
    ]).toEqual([1, 1, 1]);
    expect([productThreads(1000, 128, 3072, 2), productThreads(3072, 128, 1000, 2)]).toEqual([2, 2]);
    expect(productThreads(20, 16, 3072, 4)).toBe(1); // a small net's every product
  });

  it("cut products in two row blocks on two threads, and multiply as the stock kernel does", async (ctx) => {
    // A step's big products and the validation pass's; not skinny ones, or with other thread counts.
    expect([
      splitsProduct(1000, 128, 3072, 2),
      splitsProduct(3072, 128, 1000, 2),
      splitsProduct(10_000, 256, 3072, 2),
      splitsProduct(1000, 2048, 3072, 2),
    ]).toEqual([true, true, true, true]);
    expect([
      splitsProduct(1000, 10, 128, 2),
      splitsProduct(1000, 128, 3072, 1),
      splitsProduct(1000, 128, 3072, 4),
    ]).toEqual([false, false, false]);
    if (!blasKernelsActive() || loadBlas().threads !== 2) return ctx.skip(); // (only with a BLAS on 2 threads)
    const blas = loadBlas();
    // An odd number of rows, so the blocks differ; op(A) as it is and transposed.
    const product = (transposeA: boolean) =>
      tf.tidy(() => tf.matMul(seeded(transposeA ? [300, 201] : [201, 300], 1), seeded([300, 64], 2), transposeA));
    // The worker starts with the first such product; until it is ready, products go to the library.
    const deadline = Date.now() + 10_000;
    while (blas.splitProducts === 0 && Date.now() < deadline) {
      product(false).dispose();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = blas.splitProducts;
    for (const transposeA of [false, true]) {
      const [actual, expected, shape] = bothWays(() => product(transposeA));
      expect(shape).toEqual([201, 64]);
      expectClose(actual, expected, 300);
    }
    expect(blas.splitProducts).toBe(before + 2);
  });

  it("refuse batches that broadcast against each other, which no matMul kernel here pairs right", (ctx) => {
    if (!blasKernelsActive()) return ctx.skip();
    const a = seeded([2, 1, 3, 4], 1);
    const b = seeded([1, 2, 4, 5], 2);
    expect(() => tf.matMul(a, b)).toThrow(/batch shapes \[2,1\] and \[1,2\].*not supported/);
    // Broadcast from one side, or the same batch written with another rank, still multiply.
    expect(tf.matMul(a, seeded([1, 1, 4, 5], 3)).shape).toEqual([2, 1, 3, 5]);
    expect(tf.matMul(seeded([2, 3, 4], 4), seeded([1, 2, 4, 5], 5)).shape).toEqual([1, 2, 3, 5]);
    tf.dispose([a, b]);
  });

  it("gather a minibatch's rows on two threads into the tensor's memory, as one thread does", async (ctx) => {
    if (!blasKernelsActive() || loadBlas().threads !== 2) return ctx.skip(); // (only with a BLAS on 2 threads)
    const blas = loadBlas();
    // 50 rows of distinct values, a view that starts inside its buffer (as a data set limited to
    // fewer rows is), and an odd batch, so the halves differ.
    const n = 50;
    const buffer = new Float32Array((n + 3) * PIXELS_PER_IMAGE).map((_, i) => i);
    const split = { x: buffer.subarray(3 * PIXELS_PER_IMAGE), y: Uint8Array.from({ length: n }, (_, i) => i % 10), n };
    const labels = new Int32Array(37);
    const sample = (it: number) => {
      const x = batchTensor(split, 37, 5, it, labels);
      const values = x.dataSync() as Float32Array;
      x.dispose();
      return { values, labels: [...labels] };
    };
    // The worker starts with the first gather; until it is ready, the rows are copied here.
    const deadline = Date.now() + 10_000;
    while (blas.splitGathers === 0 && Date.now() < deadline) {
      sample(0);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = blas.splitGathers;
    const twoThreads = [1, 2, 3].map(sample);
    expect(blas.splitGathers).toBe(before + 3);
    setBlasKernels(false); // (then every row is copied on this thread)
    expect([1, 2, 3].map(sample)).toEqual(twoThreads);
    expect(blas.splitGathers).toBe(before + 3);
    // Row i holds data row r: values r·D … r·D + D − 1 counted from the view's start.
    const first = twoThreads[0]!.values;
    const r = (first[36 * PIXELS_PER_IMAGE] as number) / PIXELS_PER_IMAGE - 3;
    expect(twoThreads[0]!.labels[36]).toBe(r % 10);
    // An index outside the data never reaches the worker.
    const into = new Float32Array(2 * PIXELS_PER_IMAGE);
    expect(() => blas.gatherRows(split.x, Int32Array.of(0, n), PIXELS_PER_IMAGE, into)).toThrow(RangeError);
    expect(() => blas.gatherRows(split.x, Int32Array.of(-1, 0), PIXELS_PER_IMAGE, into)).toThrow(RangeError);
  });

  it("gather the next minibatch on the second thread while a step runs: the same rows as sampling", async (ctx) => {
    if (!blasKernelsActive() || loadBlas().threads !== 2) return ctx.skip(); // (only with a BLAS on 2 threads)
    const blas = loadBlas();
    const n = 60;
    const split = {
      x: new Float32Array(n * PIXELS_PER_IMAGE).map((_, i) => (i % 7919) / 7919),
      y: Uint8Array.from({ length: n }, (_, i) => i % 10),
      n,
    };
    const net = TwoLayerNet.create({ inputSize: PIXELS_PER_IMAGE, hiddenSize: 64, numClasses: 10 }, { seed: 1 });
    const until = 9;
    const batches = minibatches(split, 37, 5, until);
    const labels = new Int32Array(37);
    // (Compared as bytes: toEqual takes ~0.5 s over 100,000 floats.)
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const expectSame = (a: Float32Array, b: Float32Array) => expect(bytes(a).equals(bytes(b))).toBe(true);
    const oneByOne = (rows: Int32Array) => {
      const out = new Float32Array(rows.length * PIXELS_PER_IMAGE);
      for (const [i, row] of rows.entries())
        out.set(split.x.subarray(row * PIXELS_PER_IMAGE, (row + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
      return out;
    };
    const expectSampled = (it: number, rows: ReturnType<typeof batches.batch>) => {
      const expected = sampleBatch(split, 37, 5, it);
      expectSame(rows instanceof tf.Tensor ? (rows.dataSync() as Float32Array) : rows.values, expected.x);
      expect(labels).toEqual(expected.y);
    };
    // The worker starts with the first split work; until it is ready, nothing is gathered ahead.
    const deadline = Date.now() + 10_000;
    while (blas.gathersAhead === 0 && Date.now() < deadline) {
      batches.batch(0, labels);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = blas.gathersAhead;
    for (let it = 0; it < 6; it++) {
      const X = batches.batch(it, labels);
      if (X instanceof tf.Tensor) return expect.fail("on the BLAS, minibatches are rows in JavaScript memory");
      const copy = X.values.slice();
      // A training step's split products run while the next rows are copied, and take their turn first.
      tf.tidy(() => net.sgdStep(X, tf.tensor1d(labels, "int32"), 1e-3, 1e-4));
      expectSampled(it, X);
      await new Promise((resolve) => setTimeout(resolve, 5)); // (the copy ahead is done by now)
      // ...into the other buffer: this iteration's rows stay as they were until the next call.
      expectSame(X.values, copy);
    }
    expect(blas.gathersAhead).toBe(before + 6);
    // Out of order (a resumed run starts anywhere): the rows gathered ahead are not taken for it.
    expectSampled(3, batches.batch(3, labels));
    expectSampled(4, batches.batch(4, labels));
    // None is gathered for the iteration the run stops before.
    expectSampled(8, batches.batch(8, labels));
    expect(blas.gathersAhead).toBe(before + 8);
    // An index outside the data never reaches the worker.
    const into = new Float32Array(2 * PIXELS_PER_IMAGE);
    expect(() => blas.gatherRowsAhead(split.x, Int32Array.of(0, n), PIXELS_PER_IMAGE, into)).toThrow(RangeError);
    // Joined at once, the rows the worker has not taken yet are copied by the joining thread, a chunk
    // at a time beside the worker's: every row still lands in its place.
    const many = Int32Array.from({ length: 3000 }, (_, i) => (i * 7919) % n);
    const both = new Float32Array(many.length * PIXELS_PER_IMAGE);
    const copy = blas.gatherRowsAhead(split.x, many, PIXELS_PER_IMAGE, both);
    if (!copy) return expect.fail("the worker is idle: a gather ahead starts");
    copy.join();
    expectSame(both, oneByOne(many));
    // Gathers of different sizes back to back, each joined at once: the worker may still be about to
    // take a chunk of one when the next starts (then none starts, and the caller samples the rows itself).
    let started = 0;
    for (let k = 0; k < 300; k++) {
      const some = Int32Array.from({ length: 1 + ((k * 37) % 200) }, (_, i) => (i * 31 + k) % n);
      const out = new Float32Array(some.length * PIXELS_PER_IMAGE);
      const gather = blas.gatherRowsAhead(split.x, some, PIXELS_PER_IMAGE, out);
      if (!gather) continue;
      started++;
      gather.join();
      expectSame(out, oneByOne(some));
    }
    expect(started).toBeGreaterThan(150);
    net.dispose();
  });

  it("train on rows in JavaScript memory to the same bits as on their tensor", () => {
    const shape = { inputSize: 300, hiddenSize: 64, numClasses: 10 };
    const [onHost, onHeap] = [0, 1].map(() => TwoLayerNet.create(shape, { weightScale: 1e-2, seed: 4 })) as [
      TwoLayerNet,
      TwoLayerNet,
    ];
    const X = seeded([50, 300], 6) as tf.Tensor2D;
    const rows = { values: X.dataSync() as Float32Array, count: 50 };
    const y = tf.tensor1d(
      Array.from({ length: 50 }, (_, i) => (i * 3) % 10),
      "int32",
    );
    for (let step = 0; step < 3; step++) {
      const losses = [onHost.sgdStep(rows, y, 0.1, 1e-3), onHeap.sgdStep(X, y, 0.1, 1e-3)];
      expect(losses[0]!.dataSync()).toEqual(losses[1]!.dataSync());
      tf.dispose(losses);
    }
    for (const name of PARAM_NAMES) expect(onHost.params[name].dataSync()).toEqual(onHeap.params[name].dataSync());
    tf.dispose([X, y]);
    onHost.dispose();
    onHeap.dispose();
  });

  it("fuse a bias and a ReLU as the stock kernel does, and hand other activations to it", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 20 }),
          k: fc.integer({ min: 1, max: 50 }),
          n: fc.integer({ min: 1, max: 20 }),
          bias: fc.boolean(), // (the stock kernel takes none but a rank-1 bias)
          activation: fc.constantFrom("linear", "relu", "elu") as fc.Arbitrary<tf.fused.Activation>,
          transposeA: fc.boolean(),
          seed: fc.nat(1000),
        }),
        ({ m, k, n, bias, activation, transposeA, seed }) => {
          const [actual, expected] = bothWays(() =>
            tf.tidy(() =>
              tf.fused.matMul({
                a: seeded(transposeA ? [k, m] : [m, k], seed),
                b: seeded([k, n], seed + 1),
                transposeA,
                bias: bias ? seeded([n], seed + 2) : undefined,
                activation,
              }),
            ),
          );
          expectClose(actual, expected, k + 1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("sum over any axes as the stock kernel does, with and without keepDims", () => {
    fc.assert(
      fc.property(
        // (No empty dimensions: the stock kernel divides by zero on them.)
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
          fc.record({
            shape: fc.constant(shape),
            axes: fc.subarray(shape.map((_, i) => i)),
            keepDims: fc.boolean(),
            seed: fc.nat(1000),
          }),
        ),
        ({ shape, axes, keepDims, seed }) => {
          const [actual, expected] = bothWays(() => tf.tidy(() => tf.sum(seeded(shape, seed), axes, keepDims)));
          expectClose(actual, expected, tf.util.sizeFromShape(shape));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("give the stock kernels' loss and gradients on a CIFAR-sized layer, within float32 rounding", () => {
    const net = TwoLayerNet.create({ inputSize: 3072, hiddenSize: 64, numClasses: 10 }, { weightScale: 1e-2, seed: 3 });
    const X = seeded([200, 3072], 5) as tf.Tensor2D;
    const y = tf.tensor1d(
      Array.from({ length: 200 }, (_, i) => (i * 7) % 10),
      "int32",
    );
    for (const name of ["loss", ...PARAM_NAMES] as const) {
      const [actual, expected] = bothWays(() => {
        const { loss, grads } = net.lossAndGrads(X, y, 1e-3);
        const keep = name === "loss" ? loss : grads[name];
        tf.dispose([loss, ...Object.values(grads)].filter((t) => t !== keep));
        return keep;
      });
      const scale = expected.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
      expectClose(actual, expected, 3072, scale);
    }
    tf.dispose([X, y]);
    net.dispose();
  });

  it("multiply rows in JavaScript memory in place, as a product of their tensor does", () => {
    tf.tidy(() => {
      const w = seeded([30, 7], 1) as tf.Tensor2D;
      const bias = seeded([7], 2) as tf.Tensor1D;
      // A view into a larger array, as a chunk of the validation set is.
      const all = seeded([50, 30], 3).dataSync() as Float32Array;
      const rows = all.subarray(10 * 30, 45 * 30);
      for (const activation of ["relu", "linear"] as const) {
        const expected = tf.fused.matMul({ a: tf.tensor2d(rows, [35, 30]), b: w, bias, activation });
        const actual = hostRowsProduct(rows, 35, w, bias, activation)!;
        expect(actual.shape).toEqual([35, 7]);
        expect(actual.dataSync()).toEqual(expected.dataSync());
      }
      expect(hostRowsProduct(rows, 35, w, undefined, "linear")!.dataSync()).toEqual(
        tf.matMul(tf.tensor2d(rows, [35, 30]), w).dataSync(),
      );
      setBlasKernels(false);
      expect(hostRowsProduct(rows, 35, w, bias, "relu")).toBeUndefined();
    });
  });

  it("scale and add into a variable's own memory, as the ops do, unless another tensor shares it", () => {
    const w = tf.tidy(() => tf.variable(seeded([30, 7], 4))); // (its initial value gone: w alone holds the memory)
    const g = seeded([30, 7], 5);
    const expected = tf.tidy(() => tf.add(tf.mul(w, 0.99), tf.mul(g, -0.1)).dataSync());
    expect(scaledAddInPlace(w, g, 0.99, -0.1)).toBe(true);
    const actual = w.dataSync();
    for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
    // A variable made from a tensor that is still there shares its memory: writing it would change both.
    const initial = seeded([30, 7], 6);
    const shared = tf.variable(initial);
    expect(scaledAddInPlace(shared, g, 0.99, -0.1)).toBe(false);
    expect(shared.dataSync()).toEqual(initial.dataSync());
    tf.dispose([initial, shared]);
    setBlasKernels(false);
    expect(scaledAddInPlace(w, g, 0.99, -0.1)).toBe(false);
    tf.dispose([w, g]);
  });

  it("leave no tensor and no heap memory behind", () => {
    const run = () =>
      tf.tidy(() => {
        const a = seeded([40, 30], 1);
        tf.matMul(a, a, true);
        tf.fused.matMul({ a, b: a, transposeB: true, bias: seeded([40], 2), activation: "relu" });
        tf.sum(a, 0);
        hostRowsProduct(new Float32Array(40 * 40), 40, a as tf.Tensor2D, undefined, "relu");
      });
    run(); // (the first sum allocates the vector of ones that later sums reuse)
    const before = tf.memory();
    for (let i = 0; i < 20; i++) run();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
