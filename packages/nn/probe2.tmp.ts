import { initBackend } from "./src/backend/backend.ts";
import { loadBlas } from "./src/backend/openBlas.ts";
import { loadCifar10 } from "./src/data/dataset.ts";
import { TwoLayerNet } from "./src/model/twoLayerNet.ts";
import { train } from "./src/training/train.ts";

await initBackend("wasm", {});
const blas = loadBlas();
const stats = new Map<string, number[]>();
const orig = blas.sgemm;
blas.sgemm = (...a: Parameters<typeof orig>) => {
  const t = performance.now();
  orig(...a);
  const k = `${a[1] === 112 ? "T" : "N"}${a[2] === 112 ? "T" : "N"} ${a[3]}x${a[4]}x${a[5]}`;
  (stats.get(k) ?? stats.set(k, []).get(k)!).push(performance.now() - t);
};
const ov = blas.sgemv;
blas.sgemv = (...a: Parameters<typeof ov>) => {
  const t = performance.now();
  ov(...a);
  const k = `gemv ${a[1]} ${a[2]}x${a[3]}`;
  (stats.get(k) ?? stats.set(k, []).get(k)!).push(performance.now() - t);
};
const data = await loadCifar10({ dataDir: "/work/shared/datasets/cifar-10-batches-bin" });
const H = Number(process.argv[2] ?? 128);
const net = TwoLayerNet.create({ inputSize: 3072, hiddenSize: H, numClasses: 10 }, { seed: 1, weightScale: 1e-4 });
const r = await train(net, data, {
  hiddenSize: H,
  learningRate: 0.5,
  learningRateDecay: 0.95,
  reg: 1e-4,
  batchSize: 1000,
  numIters: 120,
  weightScale: 1e-4,
  seed: 1,
} as never);
console.log("ms/iter", r.msPerIter.toFixed(2));
let total = 0;
for (const [k, v] of stats) {
  const s = v.slice(5).sort((x, y) => x - y);
  const sum = v.reduce((p, q) => p + q, 0);
  total += sum;
  console.log(k.padEnd(24), "n", v.length, "median", s[s.length >> 1]?.toFixed(3), "per iter", (sum / 120).toFixed(2));
}
console.log("blas per iter", (total / 120).toFixed(2));
