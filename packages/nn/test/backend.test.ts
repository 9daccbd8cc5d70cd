import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { TINY_RECORDS, tinyCifar10 } from "./fixtures.ts";
import {
  BackendUnavailableError,
  initBackend,
  loadCifar10,
  NUM_CLASSES,
  PIXELS_PER_IMAGE,
  parseBackendName,
  TwoLayerNet,
  train,
} from "./nn.ts";

// Where libtensorflow could be installed (a machine with internet), the "missing" cases do not apply.
const require = createRequire(import.meta.url);
const nodeLib = path.join(path.dirname(require.resolve("@tensorflow/tfjs-node/package.json")), "lib");
const nodeInstalled =
  existsSync(nodeLib) && readdirSync(nodeLib).some((d) => existsSync(path.join(nodeLib, d, "tfjs_binding.node")));

describe("backend selection", () => {
  it.skipIf(nodeInstalled)("says what is missing and how to enable tfjs-node when asked for it", async () => {
    const error = await initBackend("node").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      /@tensorflow\/tfjs-node cannot load: .*libtensorflow.*allowBuilds.*pnpm rebuild/s,
    );
  });

  it.skipIf(nodeInstalled)("names CUDA 11.2 and cuDNN 8.1 for the GPU build", async () => {
    const error = await initBackend("node-gpu").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/tfjs-node-gpu.*CUDA 11\.2 and cuDNN 8\.1/s);
  });

  it.skipIf(nodeInstalled)(
    "asks NVIDIA's libraries for float32, not TF32, before the GPU build loads, unless the user chose",
    async () => {
      const before = process.env.NVIDIA_TF32_OVERRIDE;
      try {
        delete process.env.NVIDIA_TF32_OVERRIDE;
        await initBackend("node-gpu").catch(() => {});
        expect(process.env.NVIDIA_TF32_OVERRIDE).toBe("0");
        process.env.NVIDIA_TF32_OVERRIDE = "1";
        await initBackend("node-gpu").catch(() => {});
        expect(process.env.NVIDIA_TF32_OVERRIDE).toBe("1");
      } finally {
        if (before === undefined) delete process.env.NVIDIA_TF32_OVERRIDE;
        else process.env.NVIDIA_TF32_OVERRIDE = before;
      }
    },
  );

  it("falls back in order and says why each faster backend was skipped", async () => {
    const info = await initBackend("auto");
    const order = ["node-gpu", "webgpu", "node", "wasm", "cpu"];
    expect(order).toContain(info.name);
    expect(info.skipped.map((s) => s.name)).toEqual(order.slice(0, order.indexOf(info.name)));
    expect(tf.getBackend()).toBe(info.name === "node" || info.name === "node-gpu" ? "tensorflow" : info.name);
    // Without a GPU, WebGPU is skipped for a reason (no loader, no adapter, or a software one only).
    if (info.name !== "webgpu" && info.name !== "node-gpu")
      expect(info.skipped.find((s) => s.name === "webgpu")?.reason).toMatch(/no WebGPU adapter|software adapter/);
  });

  it("rejects an unknown backend name with the valid ones", () => {
    expect(() => parseBackendName("metal")).toThrow(
      /Unknown backend "metal": use one of auto, node-gpu, webgpu, node, wasm, cpu/,
    );
  });

  it("runs the same model on wasm and cpu with the same results, up to float32 rounding", async () => {
    const data = await loadCifar10({ dataDir: await tinyCifar10(2), recordsPerBatch: TINY_RECORDS });
    const hp = {
      hiddenSize: 16,
      learningRate: 0.3,
      learningRateDecay: 0.95,
      reg: 1e-3,
      batchSize: 50,
      numIters: 20,
      weightScale: 1e-2,
      seed: 4,
    };
    const losses: Record<string, number[]> = {};
    for (const name of ["wasm", "cpu"] as const) {
      const info = await initBackend(name);
      expect(info.name).toBe(name);
      expect(tf.getBackend()).toBe(name);
      const net = TwoLayerNet.create(
        { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES },
        hp,
      );
      losses[name] = (await train(net, data, hp)).lossHistory;
      net.dispose();
    }
    expect(losses.wasm).toHaveLength(20);
    for (const [i, l] of losses.wasm!.entries()) expect(Math.abs(l - losses.cpu![i]!) / l).toBeLessThan(1e-4);
  });
});
