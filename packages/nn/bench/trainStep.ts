// pnpm bench [-- --backend wasm --hidden 128,512,2048 --min-seconds 3]
// Times the full training step (sample a minibatch, forward, backward, SGD update, read the loss)
// at batch 1000, D = 3072, and the same step in NumPy in the same run, and prints their ratio.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, parseBackendName } from "../src/backend/backend.ts";
import { NUM_CLASSES, PIXELS_PER_IMAGE } from "../src/data/cifar10.ts";
import { TwoLayerNet } from "../src/model/twoLayerNet.ts";
import { sampleBatch } from "../src/training/train.ts";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "auto" },
    hidden: { type: "string", default: "128,512,2048" },
    "min-seconds": { type: "string", default: "3" },
  },
  args: process.argv.slice(2).filter((a) => a !== "--"),
});
const hiddenSizes = values.hidden.split(",").map(Number);
const minSeconds = Number(values["min-seconds"]);
const N = 1000;
const D = PIXELS_PER_IMAGE;
const flops = (H: number) => 6 * N * D * H; // three N×D×H products of 2 FLOPs a term; the H×10 ones are noise

const backend = await initBackend(parseBackendName(values.backend));
console.log(`backend: ${backend.name} — ${backend.device} (${backend.version})`);

// A pool of random rows to sample from, like the training set (10,000 rows, 123 MB).
const pool = { x: new Float32Array(10_000 * D), y: new Uint8Array(10_000), n: 10_000 };
for (let i = 0; i < pool.x.length; i++) pool.x[i] = Math.sin(i * 12.9898) * 0.5;
for (let i = 0; i < pool.n; i++) pool.y[i] = i % NUM_CLASSES;

async function timeStep(H: number): Promise<{ msPerIter: number; iters: number }> {
  const net = TwoLayerNet.create(
    { inputSize: D, hiddenSize: H, numClasses: NUM_CLASSES },
    { weightScale: 1e-4, seed: 0 },
  );
  const step = async (it: number) => {
    const batch = sampleBatch(pool, N, 0, it);
    const X = tf.tensor2d(batch.x, [N, D]);
    const y = tf.tensor1d(batch.y, "int32");
    const loss = net.sgdStep(X, y, 1e-2, 1e-4);
    await loss.data();
    tf.dispose([X, y, loss]);
  };
  await step(0); // warm-up: kernel setup, memory growth
  let iters = 0;
  const start = performance.now();
  while (iters < 3 || performance.now() - start < minSeconds * 1000) await step(++iters);
  const msPerIter = (performance.now() - start) / iters;
  net.dispose();
  return { msPerIter, iters };
}

function numpyPeer(): { numpy: string; results: { hidden: number; msPerIter: number }[] } | { error: string } {
  const script = path.join(import.meta.dirname, "numpyStep.py");
  const out = spawnSync("python3", [script], {
    input: JSON.stringify({ hidden: hiddenSizes, batch: N, dim: D, minSeconds }),
    encoding: "utf8",
  });
  if (out.status !== 0)
    return { error: (out.stderr || out.error?.message || "python3 failed").trim().split("\n").at(-1)! };
  return JSON.parse(out.stdout);
}

const ours = [];
for (const H of hiddenSizes) {
  const r = await timeStep(H);
  ours.push({ H, ...r });
  console.log(`  ${backend.name} H=${H}: ${r.msPerIter.toFixed(1)} ms/iter over ${r.iters} iterations`);
}
console.log("numpy: running the same step…");
const peer = numpyPeer();

const gflops = (H: number, ms: number) => flops(H) / (ms * 1e6);
console.log(
  `\nFull training step, batch ${N}, D ${D} (${"error" in peer ? `NumPy unavailable: ${peer.error}` : `NumPy ${peer.numpy}`})`,
);
console.log("| H | ours ms/iter | ours GFLOP/s | NumPy ms/iter | NumPy GFLOP/s | speed vs NumPy |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const { H, msPerIter } of ours) {
  const np = "error" in peer ? undefined : peer.results.find((r) => r.hidden === H);
  const cells = np
    ? [np.msPerIter.toFixed(1), gflops(H, np.msPerIter).toFixed(1), `${(np.msPerIter / msPerIter).toFixed(2)}×`]
    : ["—", "—", "—"];
  console.log(`| ${H} | ${msPerIter.toFixed(1)} | ${gflops(H, msPerIter).toFixed(1)} | ${cells.join(" | ")} |`);
}
console.log("\nspeed vs NumPy = NumPy ms / ours ms: above 1 means we are faster.");
