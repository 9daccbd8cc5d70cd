import { readFileSync } from "node:fs";
import { initBackend } from "./src/backend/backend.ts";
import { loadCifar10 } from "./src/data/dataset.ts";

const huge = () => readFileSync("/proc/self/smaps_rollup", "utf8").match(/AnonHugePages:\s+(\d+)/)?.[1];
const info = await initBackend("wasm", {});
console.log(info.device, "huge after init", huge());
const data = await loadCifar10({ dataDir: "/work/shared/datasets/cifar-10-batches-bin" });
console.log("huge after data", huge());

import { TwoLayerNet } from "./src/model/twoLayerNet.ts";
import { train } from "./src/training/train.ts";

const net = TwoLayerNet.create({ inputSize: 3072, hiddenSize: 128, numClasses: 10 }, { seed: 1, weightScale: 1e-4 });
const r = await train(net, data, {
  hiddenSize: 128,
  learningRate: 0.5,
  learningRateDecay: 0.95,
  reg: 1e-4,
  batchSize: 1000,
  numIters: 120,
  weightScale: 1e-4,
  seed: 1,
} as never);
console.log("huge after train", huge(), r.msPerIter.toFixed(1));
console.log(
  readFileSync("/proc/self/smaps", "utf8")
    .split(/\n(?=[0-9a-f]+-)/)
    .filter((s) => /AnonHugePages:\s+[1-9]/.test(s) || /Size:\s+(\d{6,})/.test(s))
    .map(
      (s) =>
        s.split("\n")[0] +
        " " +
        (s.match(/^Rss:.*$/m) || [""])[0] +
        " " +
        (s.match(/AnonHugePages:.*$/m) || [""])[0] +
        " " +
        (s.match(/THPeligible:.*$/m) || [""])[0],
    )
    .join("\n"),
);
