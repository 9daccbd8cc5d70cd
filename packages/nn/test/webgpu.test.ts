// The WebGPU backend on SwiftShader (see swiftshader.ts): selection, the same model results as the
// WebAssembly backend, checkpoints across the two, cancellation and memory. One file, in order,
// because the backend is process-global and each switch to WebGPU recompiles its shaders (seconds on
// a software adapter).

import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fusedScaledSum, fusedSoftmaxCrossEntropy, setFusedKernels } from "../src/backend/fusedKernels.ts";
import { checkFusedSoftmaxCrossEntropy, TINY_RECORDS, tinyCifar10 } from "./fixtures.ts";
import {
  bindableBytes,
  type Cifar10Dataset,
  DeviceLostError,
  GpuRefusedError,
  type Hyperparameters,
  initBackend,
  loadCheckpoint,
  loadCifar10,
  loseWebgpuDevice,
  minibatches,
  NUM_CLASSES,
  PARAM_NAMES,
  PIXELS_PER_IMAGE,
  releaseFreeBuffers,
  releaseResidentRows,
  releaseWebgpu,
  sampleBatch,
  saveCheckpoint,
  TwoLayerNet,
  train,
  webgpuLimits,
  webgpuLostReason,
} from "./nn.ts";
import { swiftShaderMissing, useSwiftShader } from "./swiftshader.ts";

// 400 training rows, batch 50: an epoch is 8 iterations, so the run crosses an epoch boundary (a
// validation pass and a learning-rate decay) at 8, and the checkpoint at 5 is mid-epoch.
const hp: Hyperparameters = {
  hiddenSize: 16,
  learningRate: 0.3,
  learningRateDecay: 0.9,
  reg: 1e-3,
  batchSize: 50,
  numIters: 10,
  weightScale: 1e-2,
  seed: 3,
};
const CHECKPOINT_AT = 5;
const shape = { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES };

// Float32 tolerance between backends. Both compute every op in float32, but in different orders:
// the products sum 3,072 terms (rounding error grows ~√K·ε ≈ 55 · 6e-8 ≈ 3e-6 relative, worst case
// K·ε ≈ 2e-4 with cancellation), and WGSL's exp/log may be a few ulps off libm's. SGD feeds each
// step's difference into the next, so over ten steps the losses drift by up to ~1e-5 relative.
// Measured on SwiftShader: ≤ 1.3e-7 (two float32 ulps); a GPU's faster exp/log may add some. A wrong
// kernel (a missed bias, a transposed operand, another minibatch) changes the loss at the first or
// second step by percents, far beyond 1e-4.
const LOSS_RTOL = 1e-4;
const expectClose = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  for (const [i, l] of actual.entries())
    expect(Math.abs(l - expected[i]!) / expected[i]!, `loss ${i}: ${l} vs ${expected[i]}`).toBeLessThan(LOSS_RTOL);
  console.log("max rel diff", Math.max(...actual.map((l, i) => Math.abs(l - expected[i]!) / expected[i]!)));
};

let data: Cifar10Dataset;
const wasmRun: { losses: number[]; checkpoint?: Uint8Array } = { losses: [] };
let gpuCheckpoint: Uint8Array | undefined;

async function lossesFrom(net: TwoLayerNet, options: { startIteration?: number; endIteration?: number } = {}) {
  return (await train(net, data, hp, options)).lossHistory;
}

describe.skipIf(swiftShaderMissing)(
  `webgpu backend on SwiftShader${swiftShaderMissing ? ` (skipped: ${swiftShaderMissing})` : ""}`,
  () => {
    beforeAll(async () => {
      useSwiftShader();
      data = await loadCifar10({ dataDir: await tinyCifar10(6), recordsPerBatch: TINY_RECORDS });
      // The reference on wasm: a whole run, and the checkpoint of a run stopped at CHECKPOINT_AT.
      await initBackend("wasm");
      const net = TwoLayerNet.create(shape, hp);
      wasmRun.losses = await lossesFrom(net);
      net.dispose();
      const part = TwoLayerNet.create(shape, hp);
      await lossesFrom(part, { endIteration: CHECKPOINT_AT });
      wasmRun.checkpoint = await saveCheckpoint(part, {
        hyperparameters: hp,
        iteration: CHECKPOINT_AT,
        backend: "wasm",
      });
      part.dispose();
    });

    // Each test asks for its backend, so that one run alone (vitest -t) still runs where it says.
    beforeEach(async () => {
      await initBackend("webgpu");
    });

    afterAll(async () => {
      releaseResidentRows();
      await releaseWebgpu();
    });

    it("is never chosen automatically on a software adapter, and says why", async () => {
      const info = await initBackend("auto");
      expect(info.name).not.toBe("webgpu");
      expect(info.skipped.find((s) => s.name === "webgpu")?.reason).toMatch(
        /only a software adapter \(google \/ swiftshader.*\).*--backend webgpu/,
      );
    });

    it("loads when asked for, naming the adapter, its limits, and that it is software", async () => {
      const info = await initBackend("webgpu");
      expect(info.name).toBe("webgpu");
      expect(tf.getBackend()).toBe("webgpu");
      expect(info.device).toMatch(/^GPU \(WebGPU on Dawn: google \/ swiftshader/);
      expect(info.limits?.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
      expect(info.warnings.join("\n")).toMatch(/software adapter/);
    });

    it("gathers each minibatch on the device, the same rows and labels as sampling on the host", async () => {
      const batches = minibatches(data.train, hp.batchSize, hp.seed);
      expect(batches.onDevice).toBe(true);
      const labels = new Int32Array(hp.batchSize);
      const X = batches.batch(7, labels) as tf.Tensor2D; // (on the device: a tensor)
      const host = sampleBatch(data.train, hp.batchSize, hp.seed, 7);
      expect(await X.data()).toEqual(host.x);
      expect(labels).toEqual(host.y);
      X.dispose();
    });

    it("fuses the softmax cross-entropy in two shaders as worked out by hand, and its step uses them", async () => {
      await checkFusedSoftmaxCrossEntropy();
    });

    it("refuses labels that are not classes: from the host at once, from the device as a NaN loss", async () => {
      const scores = tf.zeros([3, 10]) as tf.Tensor2D;
      const y = tf.tensor1d([0, 10, 2], "int32");
      const before = tf.memory().numTensors;
      expect(() => fusedSoftmaxCrossEntropy(scores, y)).toThrow("label 10 of row 1 is not a class 0–9");
      expect(tf.memory().numTensors).toBe(before);
      // Labels already on the device (as an op's output would be) are not read back to be checked.
      (tf.backend() as WebGPUBackend).uploadToGPU(y.dataId);
      const fused = fusedSoftmaxCrossEntropy(scores, y)!;
      expect((await fused.dataLoss.data())[0]).toBeNaN();
      const d = Array.from(await fused.dScores.data());
      expect(d.slice(10, 20).every(Number.isNaN)).toBe(true);
      // The other rows as usual: softmax 0.1 everywhere, minus 1 at the label, over N = 3.
      expect(d[0]).toBeCloseTo(-0.9 / 3, 6);
      expect(d[21]).toBeCloseTo(0.1 / 3, 6);
      tf.dispose([scores, y, fused.dataLoss, fused.dScores]);
    });

    it("updates a parameter in one shader as the ops do, over more workgroups than a dimension allows", async () => {
      // 4,198,400 values: 65,600 workgroups of 64, over the 65,535 a dimension may have (the backend
      // spreads them over two). An element left unwritten would be off by ~1.
      const shape = [4100, 1024];
      const [x, y] = [1, 2].map((seed) => tf.randomUniform(shape, -1, 1, "float32", seed));
      const fused = fusedScaledSum(x!, y!, 0.99, -0.1);
      if (!fused) return expect.fail("no fused scaled sum on webgpu");
      const error = tf.tidy(() => tf.max(tf.abs(tf.sub(fused, tf.add(tf.mul(0.99, x!), tf.mul(-0.1, y!))))));
      // (The shader may round β·x + α·y once, as a fused multiply-add; the ops round thrice.)
      expect((await error.data())[0]).toBeLessThan(1e-6);
      const previous = setFusedKernels(false);
      expect(fusedScaledSum(x!, y!, 0.99, -0.1)).toBeUndefined();
      setFusedKernels(previous);
      tf.dispose([x!, y!, fused, error]);
    });

    it("has analytic gradients that match centered differences of the loss", async () => {
      // As in twoLayerNet.test.ts (a small net with weights of order 1, same tolerance argument), on
      // the first and last entries of each parameter (a wrong term shows in every entry it touches;
      // each entry costs two forward passes, ~1 s on SwiftShader).
      const small = { inputSize: 15, hiddenSize: 8, numClasses: 10 };
      const reg = 0.05;
      const net = TwoLayerNet.create(small, { weightScale: 0.5, seed: 7 });
      const X = tf.randomNormal([6, small.inputSize], 0, 1, "float32", 11) as tf.Tensor2D;
      const y = tf.tensor1d([0, 3, 9, 3, 5, 1], "int32");
      const { loss, grads } = net.lossAndGrads(X, y, reg);
      const analytic = Object.fromEntries(await Promise.all(PARAM_NAMES.map(async (n) => [n, await grads[n].data()])));
      tf.dispose([loss, ...Object.values(grads)]);
      const h = 1e-2;
      const lossAt = async () => {
        const l = net.lossAndGrads(X, y, reg);
        const v = (await l.loss.data())[0] as number;
        tf.dispose([l.loss, ...Object.values(l.grads)]);
        return v;
      };
      for (const name of PARAM_NAMES) {
        const param = net.params[name];
        const values = await param.data();
        for (const i of [0, values.length - 1]) {
          const nudged = Float32Array.from(values);
          nudged[i] = values[i]! + h;
          param.assign(tf.tensor(nudged, param.shape));
          const plus = await lossAt();
          nudged[i] = values[i]! - h;
          param.assign(tf.tensor(nudged, param.shape));
          const minus = await lossAt();
          param.assign(tf.tensor(values, param.shape));
          const numeric = (plus - minus) / (2 * h);
          const a = analytic[name]![i] as number;
          expect(Math.abs(a - numeric) - 1e-2 * Math.abs(numeric), `${name}[${i}]: ${a} vs ${numeric}`).toBeLessThan(
            1e-3,
          );
        }
      }
      tf.dispose([X, y]);
      net.dispose();
    });

    it("trains to the same loss history as wasm, within float32 rounding, with no memory growth", async () => {
      const net = TwoLayerNet.create(shape, hp);
      const memory = () => {
        const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
        return { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: m.numBytesInGPU };
      };
      const atIteration: ReturnType<typeof memory>[] = [];
      const atEpoch: ReturnType<typeof memory>[] = [];
      const result = await train(net, data, hp, {
        onIteration: () => void atIteration.push(memory()),
        onEpoch: () => void atEpoch.push(memory()),
      });
      expectClose(result.lossHistory, wasmRun.losses);
      // Between the epoch boundaries (0 and 8; the first uploads the data sets), each loss is read
      // while the next step runs, and every iteration ends with the same tensors and bytes on the
      // host's books. The GPU's also count the 4-byte staging buffer of the next step's loss read
      // until that read completes, which may be before or after the iteration ends (CI saw both);
      // anything that grew would be more than that within seven iterations. Each epoch boundary,
      // after a validation pass and with no read in flight, ends exactly as the first.
      const steady = atIteration.slice(1, 8);
      const first = atIteration[1]!;
      for (const m of steady) {
        expect({ numTensors: m.numTensors, numBytes: m.numBytes }).toEqual({
          numTensors: first.numTensors,
          numBytes: first.numBytes,
        });
        expect(Math.abs(m.numBytesInGPU - first.numBytesInGPU)).toBeLessThanOrEqual(Float32Array.BYTES_PER_ELEMENT);
      }
      expect(atEpoch).toHaveLength(2);
      expect(atEpoch[1]).toEqual(atEpoch[0]);
      // The final confusion matrix, from the labels predicted on the device: every validation image
      // once, its diagonal the final accuracy.
      const counts = result.finalValConfusion;
      expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(data.val.n);
      expect(counts.reduce((right, row, c) => right + row[c]!, 0) / data.val.n).toBe(result.finalValAcc);
      net.dispose();
    });

    it("takes a step whose activations are over the GPU's buffer limit in slices: the same losses, and a cancel between slices keeps the step before", async () => {
      // A step's hidden activations are 50 × 16 floats (3,200 bytes); a device that bound at most
      // 1,600 bytes would make none of their buffers. So each step goes in two slices of 25 rows,
      // summed before the update: the losses of the one-pass step on wasm up to summation order.
      const gpuBufferLimit = 1600;
      const net = TwoLayerNet.create(shape, hp);
      let slices = 0;
      const result = await train(net, data, hp, { gpuBufferLimit, onSlice: () => void slices++ });
      expectClose(result.lossHistory, wasmRun.losses);
      expect(slices).toBe(2 * hp.numIters);
      net.dispose();

      // Cancelled after the first slice of iteration 2: the parameters are those after iteration 1,
      // whose loss, still being read, is reported before the run stops.
      const cancelled = TwoLayerNet.create(shape, hp);
      const controller = new AbortController();
      const seen: number[] = [];
      slices = 0;
      const error = await train(cancelled, data, hp, {
        gpuBufferLimit,
        signal: controller.signal,
        onIteration: (it) => void seen.push(it),
        onSlice: () => {
          if (++slices === 5) controller.abort();
        },
      }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("AbortError");
      expect(seen).toEqual([0, 1]);
      expectClose(await lossesFrom(cancelled, { startIteration: 2 }), wasmRun.losses.slice(2));
      cancelled.dispose();
    });

    it("gives back, between runs, the GPU buffers a run left for reuse, whatever its shapes", async () => {
      const gpuBytes = () => {
        const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number };
        return { used: m.numBytesInGPU, allocated: m.numBytesAllocatedInGPU };
      };
      // Two runs of different hidden sizes: TensorFlow.js would keep both runs' buffers, each reusable
      // only by a tensor of its exact size.
      const after: ReturnType<typeof gpuBytes>[] = [];
      for (const hiddenSize of [24, 40]) {
        const net = TwoLayerNet.create({ ...shape, hiddenSize }, hp);
        await train(net, data, { ...hp, hiddenSize, numIters: 3 });
        net.dispose();
        expect(gpuBytes().allocated, "kept for reuse after the run").toBeGreaterThan(gpuBytes().used);
        expect(releaseFreeBuffers()).toBeGreaterThan(0);
        // Left allocated: only what is in use (the data sets, resident across runs).
        expect(gpuBytes().allocated).toBe(gpuBytes().used);
        after.push(gpuBytes());
      }
      expect(after[1]).toEqual(after[0]);
      // The backend goes on allocating and reusing as before.
      const net = TwoLayerNet.create(shape, hp);
      expectClose(await lossesFrom(net), wasmRun.losses);
      net.dispose();
    });

    it("resumes a checkpoint made on wasm", async () => {
      const { net, header } = loadCheckpoint(wasmRun.checkpoint!);
      expect(header.backend).toBe("wasm");
      expectClose(await lossesFrom(net, { startIteration: CHECKPOINT_AT }), wasmRun.losses.slice(CHECKPOINT_AT));
      net.dispose();
    });

    it("stops within one iteration when cancelled, leaving no tensor behind", async () => {
      const before = tf.memory().numTensors;
      const net = TwoLayerNet.create(shape, hp);
      const controller = new AbortController();
      let seen = -1;
      const error = await train(net, data, hp, {
        signal: controller.signal,
        onIteration: (it) => {
          seen = it;
          if (it === 1) controller.abort();
        },
      }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("AbortError");
      // Iteration 2 was already running on the device when 1's loss was reported: it finishes and
      // is reported too (its update is in the parameters), and nothing after it starts.
      expect(seen).toBe(2);
      net.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it("fails a run whose device is lost with the reason, and initBackend then trains on a new device", async () => {
      const net = TwoLayerNet.create(shape, hp);
      const uploaded = minibatches(data.train, hp.batchSize, hp.seed); // the training set, on the device
      expect(uploaded.onDevice).toBe(true);
      const seen: number[] = [];
      const error = await train(net, data, hp, {
        onIteration: (it) => {
          seen.push(it);
          if (it === 2) loseWebgpuDevice();
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceLostError);
      expect((error as Error).message).toMatch(/^the WebGPU device was lost \(google \/ swiftshader.*\): /);
      expect(seen.at(-1)).toBeLessThan(hp.numIters - 1);
      expect(webgpuLostReason()).toBeDefined();
      net.dispose();
      releaseResidentRows();

      const gpuOf = () => (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu;
      const lostOn = gpuOf();
      const info = await initBackend("webgpu"); // not the lost one again: a new device
      expect(info.name).toBe("webgpu");
      expect(webgpuLostReason()).toBeUndefined();
      // From a new instance too: after a driver reset, the adapters the old one found may be gone.
      expect(gpuOf()).not.toBe(lostOn);
      const again = TwoLayerNet.create(shape, hp);
      expectClose(await lossesFrom(again), wasmRun.losses);
      again.dispose();
    });

    it("lives through switches between backends with a GPU read in flight, the garbage collected after each", async () => {
      // In a process of its own, so that a crash fails this test rather than the whole file. Dawn's
      // instance used to be let go of at each switch away, and freeing it under pending work aborted
      // the process (3 runs of 3 of this script, each within 12 switches).
      // It ends on a live device with no process.exit: a held instance must not keep Node from exiting.
      const child = path.join(import.meta.dirname, "backendSwitches.child.ts");
      const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", child], {
        cwd: import.meta.dirname,
        timeout: 150_000,
      });
      const [, switches, inFlight] = /lived through (\d+) switches, (\d+) with a read in flight/.exec(stdout) ?? [];
      expect(Number(switches)).toBe(12);
      // (Reads that ended before their switch would test nothing.)
      expect(Number(inFlight)).toBeGreaterThan(0);
    }, 180_000);

    it("fails a run one of whose operations the GPU refused, rather than train on the zeros it read", async () => {
      // A buffer over the device's limit is not made, and WebGPU tells no caller: the op reads zeros.
      // (The fit check refuses runs whose minibatch needs one, and a step whose activations would need
      // one goes in slices; this is the net under both.)
      const tooLarge = bindableBytes(webgpuLimits()!) / 4 + 1024;
      const net = TwoLayerNet.create(shape, hp);
      const seen: number[] = [];
      const error = await train(net, data, hp, {
        onIteration: (it) => {
          seen.push(it);
          if (it === 2) tf.tidy(() => tf.fill([tooLarge], 1));
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GpuRefusedError);
      expect((error as Error).message).toMatch(
        /^google \/ swiftshader.* refused an operation: Buffer size \(\d+\) exceeds the max buffer size limit \(\d+\)\. \(seen at iteration \d\); the run's results are not to be trusted$/,
      );
      expect(seen.at(-1)).toBeLessThan(hp.numIters - 1);
      net.dispose();
      // The next run on the same device is not failed for it.
      const again = TwoLayerNet.create(shape, hp);
      expectClose(await lossesFrom(again), wasmRun.losses);
      again.dispose();
    });

    it("makes a checkpoint that resumes on wasm", async () => {
      const net = TwoLayerNet.create(shape, hp);
      await lossesFrom(net, { endIteration: CHECKPOINT_AT });
      gpuCheckpoint = await saveCheckpoint(net, { hyperparameters: hp, iteration: CHECKPOINT_AT, backend: "webgpu" });
      net.dispose();

      await initBackend("wasm");
      const { net: resumed, header } = loadCheckpoint(gpuCheckpoint);
      expect(header.backend).toBe("webgpu");
      expectClose(await lossesFrom(resumed, { startIteration: CHECKPOINT_AT }), wasmRun.losses.slice(CHECKPOINT_AT));
      resumed.dispose();
    });
  },
);
