import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { TINY_RECORDS, tinyCifar10 } from "./fixtures.ts";
import {
  type Cifar10Dataset,
  confidentMistakes,
  imageOf,
  initBackend,
  loadCifar10,
  mistakeExamples,
  NUM_CLASSES,
  PIXELS_PER_IMAGE,
  readBatch,
  TwoLayerNet,
} from "./nn.ts";

let data: Cifar10Dataset;
let dir: string;
beforeAll(async () => {
  await initBackend("wasm");
  dir = await tinyCifar10(3);
  data = await loadCifar10({ dataDir: dir, recordsPerBatch: TINY_RECORDS });
});

describe("the most confident mistakes", () => {
  it("keeps, per (true, predicted) cell, the most confident wrong predictions, the earlier row first on a tie", () => {
    // Rows:            0    1    2    3    4    5    6    7
    const labels = [3, 3, 3, 3, 3, 5, 5, 1];
    const predicted = [5, 5, 3, 5, 5, 3, 5, 5];
    const confidence = [0.4, 0.9, 0.99, 0.6, 0.9, 0.7, 0.8, 0.5];
    expect(confidentMistakes(predicted, confidence, labels, 3)).toEqual([
      // Row-major cells: (1, 5), then (3, 5), then (5, 3). The right prediction (row 2) is none.
      { index: 7, trueClass: 1, predictedClass: 5, confidence: 0.5 },
      { index: 1, trueClass: 3, predictedClass: 5, confidence: 0.9 },
      { index: 4, trueClass: 3, predictedClass: 5, confidence: 0.9 },
      { index: 3, trueClass: 3, predictedClass: 5, confidence: 0.6 },
      { index: 5, trueClass: 5, predictedClass: 3, confidence: 0.7 },
    ]);
    expect(confidentMistakes([1, 2], [0.5, 0.5], [1, 2])).toEqual([]);
  });

  it("predicts with the softmax probability of the class predicted", async () => {
    const net = TwoLayerNet.create(
      { inputSize: PIXELS_PER_IMAGE, hiddenSize: 16, numClasses: NUM_CLASSES },
      { weightScale: 1e-2, seed: 5 },
    );
    const n = data.val.n;
    const { labels, confidence } = await net.predictWithConfidence(data.val.x, n);
    expect(labels).toEqual(await net.predict(data.val.x, n));
    // Against the scores, softmaxed on the host in float64.
    const scores = net.scores(tf.tensor2d(data.val.x, [n, PIXELS_PER_IMAGE]));
    const rows = (await scores.array()) as number[][];
    scores.dispose();
    rows.forEach((row, i) => {
      const top = Math.max(...row);
      const sum = row.reduce((s, v) => s + Math.exp(v - top), 0);
      expect(confidence[i]).toBeCloseTo(1 / sum, 6);
      expect(row.indexOf(top)).toBe(labels[i]);
    });

    const examples = await mistakeExamples(net, data, 2);
    const wrong = labels.filter((p, i) => p !== data.val.y[i]).length;
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.length).toBeLessThanOrEqual(Math.min(wrong, 2 * NUM_CLASSES * (NUM_CLASSES - 1)));
    for (const e of examples) {
      expect(e.trueClass).toBe(data.val.y[e.index]);
      expect(e.predictedClass).toBe(labels[e.index]);
      expect(e.confidence).toBe(confidence[e.index]);
      // Its image: the record's bytes as the data set's file holds them (the validation set is the
      // last 20% of the training batches: the fifth file here), decoded from the PNG.
      const png = PNG.sync.read(Buffer.from(e.png));
      expect([png.width, png.height]).toEqual([32, 32]);
      const batch = await readBatch(path.join(dir, "data_batch_5.bin"), TINY_RECORDS);
      const chw = batch.pixels.subarray(e.index * PIXELS_PER_IMAGE, (e.index + 1) * PIXELS_PER_IMAGE);
      for (let i = 0; i < 1024; i += 97)
        for (let c = 0; c < 3; c++) expect(png.data[i * 4 + c]).toBe(chw[c * 1024 + i]);
      expect(imageOf(data.val, e.index, data.channelMean)[5 * 3 + 1]).toBe(chw[1024 + 5]);
    }
    net.dispose();
  });
});
