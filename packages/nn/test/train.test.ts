import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { setBlasKernels } from "../src/backend/blasKernels.ts";
import { TINY_RECORDS, tempDir, tinyCifar10 } from "./fixtures.ts";
import {
  type Cifar10Dataset,
  confusionMatrix,
  type EpochMetrics,
  HyperparameterError,
  type Hyperparameters,
  initBackend,
  learningRateAt,
  loadCifar10,
  NUM_CLASSES,
  PARAM_NAMES,
  PIXELS_PER_IMAGE,
  sampleBatch,
  TrainingDivergedError,
  TwoLayerNet,
  train,
  writeSyntheticCifar10,
} from "./nn.ts";

let data: Cifar10Dataset;
const hp: Hyperparameters = {
  hiddenSize: 20,
  learningRate: 0.5,
  learningRateDecay: 0.9,
  reg: 1e-3,
  batchSize: 64,
  numIters: 40,
  weightScale: 1e-2,
  seed: 5,
};
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const makeNet = (h = hp) =>
  TwoLayerNet.create({ inputSize: PIXELS_PER_IMAGE, hiddenSize: h.hiddenSize, numClasses: NUM_CLASSES }, h);

beforeAll(async () => {
  await initBackend("wasm");
  data = await loadCifar10({ dataDir: await tinyCifar10(1), recordsPerBatch: TINY_RECORDS });
});

describe("train (as nn_train)", () => {
  it("records the loss every iteration and metrics at it % iterationsPerEpoch == 0, then decays the rate", async () => {
    const net = makeNet();
    const epochs: EpochMetrics[] = [];
    const iterations: number[] = [];
    // Each epoch's accuracies measured again here, of the parameters the epoch ended with: the
    // training one on that iteration's minibatch (as the reference does), the validation one on the
    // whole validation set.
    const measured: { trainAcc: number; valAcc: number }[] = [];
    const accuracy = (predicted: Int32Array, labels: ArrayLike<number>) =>
      predicted.filter((p, i) => p === labels[i]).length / predicted.length;
    const result = await train(net, data, hp, {
      onEpoch: async (m) => {
        epochs.push(m);
        const batch = sampleBatch(data.train, hp.batchSize, hp.seed, m.iteration);
        measured.push({
          trainAcc: accuracy(await net.predict(batch.x, hp.batchSize), batch.y),
          valAcc: accuracy(await net.predict(data.val.x, data.val.n), data.val.y),
        });
      },
      onIteration: (it) => void iterations.push(it),
    });
    // 400 training rows / batch 64 → 6 iterations per epoch; epochs at it = 0, 6, …, 36.
    expect(epochs.map((e) => e.iteration)).toEqual([0, 6, 12, 18, 24, 30, 36]);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.lossHistory).toHaveLength(40);
    expect(iterations).toEqual([...Array(40).keys()]);
    expect(epochs.map(({ trainAcc, valAcc }) => ({ trainAcc, valAcc }))).toEqual(measured);
    expect(result.trainAccHistory).toEqual(measured.map((m) => m.trainAcc));
    expect(result.valAccHistory).toEqual(measured.map((m) => m.valAcc));
    // (Not one number throughout: the accuracies change as it learns.)
    expect(new Set(result.valAccHistory).size).toBeGreaterThan(2);
    epochs.forEach((e, k) => {
      expect(e.learningRate).toBeCloseTo(0.5 * 0.9 ** k, 12);
      expect(e.loss).toBe(result.lossHistory[e.iteration]);
    });
    // The final parameters' accuracy (the last epoch record, at 36, is older than the last step, 39).
    expect(result.finalValAcc).toBe(await net.accuracy(data.val.x, data.val.y, data.val.n));
    // The synthetic classes are separable: it learns well past chance (10%).
    expect(result.finalValAcc).toBeGreaterThan(0.5);
    // Their confusion matrix: each row holds its class's validation images, and the diagonal the
    // ones predicted right, the final accuracy's.
    const counts = result.finalValConfusion;
    const labelCounts = Array.from({ length: NUM_CLASSES }, (_, c) => data.val.y.filter((y) => y === c).length);
    expect(counts.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(labelCounts);
    expect(counts.reduce((sum, row, c) => sum + row[c]!, 0) / data.val.n).toBe(result.finalValAcc);
    net.dispose();
  });

  it("counts the confusion matrix of the last epoch's pass when that was the last step, else of the final parameters", async () => {
    // 400 rows / batch 64: epochs at 0, 6, 12; a run to 13 ends on an epoch, one to 12 after it.
    for (const numIters of [13, 12]) {
      const net = makeNet();
      const result = await train(net, data, { ...hp, numIters });
      const predicted = await net.predict(data.val.x, data.val.n);
      expect(result.finalValConfusion).toEqual(confusionMatrix(predicted, data.val.y));
      net.dispose();
    }
  });

  it("samples minibatches uniformly with replacement", () => {
    // 400 rows, each's first pixel its row number and its label that number's last digit. Batches of
    // 64: with replacement, 99.4% of them repeat a row (1 − ∏(1 − i/400), i < 64); drawn without
    // replacement (a shuffle), none would.
    const rows = 400;
    const split = {
      x: new Float32Array(rows * PIXELS_PER_IMAGE).map((_, i) => Math.floor(i / PIXELS_PER_IMAGE)),
      y: Uint8Array.from({ length: rows }, (_, r) => r % 10),
      n: rows,
    };
    const draws = new Array<number>(rows).fill(0);
    let repeating = 0;
    for (let it = 0; it < 200; it++) {
      const { x, y } = sampleBatch(split, 64, 7, it);
      const drawn = Array.from({ length: 64 }, (_, i) => x[i * PIXELS_PER_IMAGE]!);
      drawn.forEach((row, i) => {
        expect(y[i]).toBe(row % 10); // features and label come from the same row
        draws[row]!++;
      });
      if (new Set(drawn).size < 64) repeating++;
    }
    expect(repeating).toBeGreaterThan(190);
    // 12,800 draws over 400 rows: each about 32 (a binomial's sd 5.6); none left out, none favoured.
    expect(Math.min(...draws)).toBeGreaterThan(10);
    expect(Math.max(...draws)).toBeLessThan(60);
  });

  it("is bit-identical for the same seed, and differs for another", async () => {
    const run = async (seed: number) => {
      const h = { ...hp, seed, numIters: 15 };
      const net = makeNet(h);
      const r = await train(net, data, h);
      net.dispose();
      return r.lossHistory;
    };
    const a = await run(1);
    const b = await run(1);
    expect(Float32Array.from(b)).toEqual(Float32Array.from(a));
    expect(b).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });

  it("leaves no tensor behind", async () => {
    const before = tf.memory().numTensors;
    const net = makeNet();
    await train(net, data, { ...hp, numIters: 13 });
    await net.accuracy(data.val.x, data.val.y, data.val.n);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("resumes from a mid-run state exactly as if never stopped", async () => {
    const full = makeNet();
    const all = await train(full, data, hp);
    const part = makeNet();
    await train(part, data, { ...hp, numIters: 17 });
    const rest = await train(part, data, hp, { startIteration: 17, elapsedMsBefore: 60_000 });
    expect(rest.lossHistory).toEqual(all.lossHistory.slice(17));
    // Its clock goes on from the time spent before the resume.
    expect(rest.epochs.every((e) => e.elapsedMs >= 60_000)).toBe(true);
    expect(rest.epochs.map((e) => e.iteration)).toEqual([18, 24, 30, 36]);
    expect(learningRateAt(hp, data.train.n, 17)).toBe(rest.epochs[0]!.learningRate);
    expect(Array.from((await part.values()).W1)).toEqual(Array.from((await full.values()).W1));
    full.dispose();
    part.dispose();
  });

  it("trains in stages (start/end iteration) exactly as in one go", async () => {
    const whole = makeNet();
    const all = await train(whole, data, hp);
    const staged = makeNet();
    const parts = [];
    for (const [start, end] of [
      [0, 7],
      [7, 19],
      [19, 40],
    ] as const) {
      parts.push(...(await train(staged, data, hp, { startIteration: start, endIteration: end })).lossHistory);
    }
    expect(parts).toEqual(all.lossHistory);
    expect(Array.from((await staged.values()).W2)).toEqual(Array.from((await whole.values()).W2));
    await expect(train(staged, data, hp, { startIteration: 10, endIteration: 5 })).rejects.toThrow(
      /startIteration \(10\) ≤ endIteration \(5\)/,
    );
    whole.dispose();
    staged.dispose();
  });

  it("stops within one iteration when cancelled", async () => {
    const net = makeNet();
    const controller = new AbortController();
    let seen = 0;
    const error = await train(
      net,
      data,
      { ...hp, numIters: 1000 },
      {
        signal: controller.signal,
        onIteration: (it) => {
          seen = it;
          if (it === 4) controller.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(seen).toBe(4);
    net.dispose();
  });

  // At H = 4,200 a slice is 1,000 rows (rowsPerSlice): a minibatch of 1,200 is two slices. A CPU
  // backend computes a step without a turn of the event loop; between slices, timers run (a
  // trainer's heartbeats), progress is reported, and a cancel is honoured.
  // With the BLAS a minibatch is host rows; with the stock kernels, a tensor.
  it.each([
    ["host rows", true],
    ["a tensor", false],
  ])(
    "takes a large minibatch's step in slices, with timers running and a cancel honoured between them (%s)",
    async (_, blas) => {
      const previous = setBlasKernels(blas);
      const dir = await writeSyntheticCifar10(await tempDir(), { recordsPerBatch: 300, seed: 2 });
      const big = await loadCifar10({ dataDir: dir, recordsPerBatch: 300 });
      const h = { ...hp, hiddenSize: 4200, batchSize: 1200, numIters: 1 };
      const events: string[] = [];
      let ticker = setImmediate(function tick() {
        events.push("timer");
        ticker = setImmediate(tick);
      });
      const net = makeNet(h);
      const before = await net.values();
      const controller = new AbortController();
      const cancelled = await train(net, big, h, {
        signal: controller.signal,
        onSlice: () => controller.abort(),
      }).catch((e: unknown) => e);
      expect((cancelled as Error).name).toBe("AbortError");
      const after = await net.values();
      // (Compared as bytes: expect's deep equality takes minutes over 13 million floats.)
      for (const name of PARAM_NAMES) expect(Buffer.compare(bytesOf(after[name]), bytesOf(before[name])), name).toBe(0);

      const result = await train(net, big, h, {
        onSlice: () => void events.push("slice"),
        onIteration: () => void events.push("iteration"),
      });
      clearImmediate(ticker);
      const order = events.filter((e, i) => e !== "timer" || events[i - 1] !== "timer"); // (runs of timers as one)
      expect(order.slice(order.indexOf("slice"), order.indexOf("iteration") + 1)).toEqual([
        "slice",
        "timer",
        "slice",
        "timer",
        "iteration",
      ]);
      expect(result.iterations).toBe(1); // (the step as one step: see the TwoLayerNet test)
      // The epoch's accuracy passes go in slices too: the minibatch's two, and the validation set's.
      expect(events.filter((e) => e === "slice")).toHaveLength(2 + 2 + Math.ceil(big.val.n / 1000));
      net.dispose();
      setBlasKernels(previous);
    },
  );

  it("fails with the iteration and loss when training diverges", async () => {
    const h = { ...hp, learningRate: 1e6, weightScale: 1 };
    const net = makeNet(h);
    const error = await train(net, data, h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(
      /loss became (NaN|Infinity) at iteration \d+; try a smaller learning rate/,
    );
    net.dispose();
  });

  it("fails at an epoch's end whose step blew the parameters up, recording no epoch of them", async () => {
    // Iteration 0 ends epoch 0 (every run's first): its loss is taken before its update, finite, and
    // that update leaves no finite weight at this rate. Epoch 0 was recorded from those parameters
    // (~10% accuracies: argMax of NaN scores is class 0), with a checkpoint a fork could start from,
    // and the run failed an iteration later.
    const h = { ...hp, learningRate: 1e38, weightScale: 1 };
    const net = makeNet(h);
    const epochs: number[] = [];
    const losses: number[] = [];
    const error = await train(net, data, h, {
      endIteration: 3,
      onIteration: (_it, loss) => void losses.push(loss),
      onEpoch: (m) => void epochs.push(m.epoch),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(error).toMatchObject({ iteration: 0 });
    expect((error as Error).message).toBe(
      "training diverged: the step at epoch 0's end (iteration 0) left parameters whose class scores are not finite numbers; try a smaller learning rate",
    );
    expect(losses).toHaveLength(1);
    expect(Number.isFinite(losses[0])).toBe(true);
    expect(epochs).toEqual([]);
    net.dispose();
  });

  it("fails when the last step's update blows the parameters up, which no loss checks", async () => {
    // Trained one step short of the step whose loss is the first not finite: every loss it computed
    // is finite, but the parameters its last update left are no model (they predicted class 0 for
    // every image, as argMax of NaN scores).
    const h = { ...hp, learningRate: 1e6, weightScale: 1 };
    const probe = makeNet(h);
    const first = (await train(probe, data, h).catch((e: unknown) => e)) as TrainingDivergedError;
    probe.dispose();
    expect(first).toBeInstanceOf(TrainingDivergedError);
    expect(first.iteration).toBeGreaterThan(0);
    const net = makeNet(h);
    const error = await train(net, data, h, { endIteration: first.iteration }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(error).toMatchObject({ iteration: first.iteration - 1 });
    expect((error as Error).message).toBe(
      `training diverged: the last step (iteration ${first.iteration - 1}) left parameters whose class scores are not finite numbers; try a smaller learning rate`,
    );
    net.dispose();
  });

  it("refuses bad hyperparameters, naming each field", async () => {
    const net = makeNet();
    const error = await train(net, data, { ...hp, learningRate: -1, batchSize: 401, numIters: 0.5 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HyperparameterError);
    const fields = (error as HyperparameterError).errors.map((e) => e.field);
    expect(fields).toEqual(["learningRate", "batchSize", "numIters"]);
    expect((error as Error).message).toContain(
      "batchSize must be an integer from 1 to 400 (the training set size); got 401",
    );
    net.dispose();
  });
});
