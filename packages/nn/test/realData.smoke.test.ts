// Smoke test on the real CIFAR-10, where the machine has it (../shared/datasets, as in CI).
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hasCifar10, initBackend, loadCifar10, NUM_CLASSES, PIXELS_PER_IMAGE, TwoLayerNet, train } from "./nn.ts";

const dir =
  process.env.CIFAR10_DIR ?? path.resolve(import.meta.dirname, "../../../../shared/datasets/cifar-10-batches-bin");
const present = existsSync(dir) && hasCifar10(dir);

describe.runIf(present)(`real CIFAR-10 at ${dir}`, () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("loads 40,000 / 10,000 / 10,000 rows with the known channel means, and a small net learns", async () => {
    const data = await loadCifar10({ dataDir: dir });
    expect([data.train.n, data.val.n, data.test.n]).toEqual([40_000, 10_000, 10_000]);
    expect(data.train.x.length).toBe(40_000 * PIXELS_PER_IMAGE);
    // CIFAR-10's well-known training means (R, G, B) ≈ (0.491, 0.482, 0.447).
    expect(data.channelMean[0]).toBeCloseTo(0.491, 2);
    expect(data.channelMean[1]).toBeCloseTo(0.482, 2);
    expect(data.channelMean[2]).toBeCloseTo(0.447, 2);
    const small = await loadCifar10({ dataDir: dir, numTrain: 5000, numVal: 1000 });
    const hp = {
      hiddenSize: 32,
      learningRate: 0.5,
      learningRateDecay: 0.95,
      reg: 1e-4,
      batchSize: 200,
      numIters: 60,
      weightScale: 1e-4,
      seed: 0,
    };
    const net = TwoLayerNet.create(
      { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES },
      hp,
    );
    const result = await train(net, small, hp);
    net.dispose();
    expect(result.lossHistory.at(-1)!).toBeLessThan(result.lossHistory[0]!);
    expect(result.finalValAcc).toBeGreaterThan(0.2);
  });
});
