// pnpm bench [-- --backend wasm|webgpu --hidden 128,512,2048 --min-seconds 3 --rounds 3 --iters 200
//               --only step|run --data-dir DIR --profile --json]
// Two comparisons with NumPy on the same data (the real CIFAR-10 when present, else a synthetic set of
// the same size that both sides read; see benchData.ts):
// - the isolated training step (sample a minibatch, forward, backward, SGD update, read the loss) at
//   batch 1000, D = 3072, and the per-epoch validation pass (predict the 10,000 validation rows): on
//   wasm our accelerated backend (matrix products on the native BLAS) and the plain WebAssembly one;
//   on webgpu the GPU, with the rows uploaded once and each minibatch gathered on the device, as
//   training does. Peers: the same step in NumPy, and in PyTorch on CUDA where a CUDA GPU is usable.
// - the whole training run (`--iters` iterations, default 200: five epochs of the 40,000 training
//   rows, each with its validation pass) as `pnpm train` runs it, against the same loop in NumPy
//   (trainLoop.ts). Skipped on webgpu, whose peer would be PyTorch.
// The sides take turns for `--rounds` rounds at each H, so they see the same machine; figures are
// medians, which a noisy neighbour moves less than means. --profile adds where the accelerated step
// spends its time, kernel by kernel. Last (wasm), two runs training at once in one process (a trainer
// with concurrency 2) against one alone: they should share the cores, not fight for them. --json
// prints one JSON object with every figure as the last line.
import { spawnSync } from "node:child_process";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { initBackend } from "../src/backend/backend.ts";
import { blasKernelsActive, setBlasKernels } from "../src/backend/blasKernels.ts";
import { setFusedKernels } from "../src/backend/fusedKernels.ts";
import { backendFlag } from "../src/cli/backendFlag.ts";
import { backendOptionsOf, readEngineEnv } from "../src/cli/env.ts";
import { countFlag, parseFlags, scriptFlags, UsageError } from "../src/cli/runCli.ts";
import { NUM_CLASSES, PIXELS_PER_IMAGE } from "../src/data/cifar10.ts";
import type { Split } from "../src/data/dataset.ts";
import { TwoLayerNet } from "../src/model/twoLayerNet.ts";
import { HYPERPARAMETERS } from "../src/training/hyperparameters.ts";
import { disposeRows, minibatches, releaseResidentRows, residentRows } from "../src/training/minibatches.ts";
import { readsBehind, train } from "../src/training/train.ts";
import { positiveNumber } from "../src/validation/rules.ts";
import { numberListText, numberText } from "../src/validation/textInput.ts";
import { benchData } from "./benchData.ts";
import { compareTrainingRuns, type LoopRow } from "./trainLoop.ts";

const USAGE = `Usage: pnpm bench -- [options]

Times the training step, the validation pass and (wasm) the training run against NumPy (and PyTorch
CUDA where a CUDA GPU is usable), on the same data; figures are medians of interleaved rounds.

  --backend NAME       wasm | webgpu | cpu | node | node-gpu (default wasm)
  --hidden LIST        hidden sizes (default 128,512,2048; webgpu: 512,2048,4096)
  --min-seconds X      timed seconds per side and size (default 3)
  --rounds N           interleaved rounds (default 3)
  --iters N            iterations of the training run (default 200)
  --only step|run      the step comparison, or the training run, alone
  --data-dir DIR       CIFAR-10 (default: $CIFAR10_DIR, else a synthetic set of its size)
  --profile            where the step spends its time, kernel by kernel
  --json               print one JSON object as the last line of stdout
  -h, --help           show this help`;

const OPTIONS = {
  backend: { type: "string", default: "wasm" },
  hidden: { type: "string" },
  "min-seconds": { type: "string", default: "3" },
  rounds: { type: "string", default: "3" },
  iters: { type: "string", default: "200" },
  only: { type: "string" },
  "data-dir": { type: "string" },
  profile: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

const { values, backendName, hiddenSizes, minSeconds, ROUNDS, runIters } = scriptFlags(OPTIONS, USAGE, (values) => {
  const backendName = backendFlag(values.backend);
  if (values.only !== undefined && values.only !== "step" && values.only !== "run")
    throw new UsageError(`--only takes step or run; got "${values.only}"`);
  return {
    values,
    backendName,
    // A GPU's interesting sizes are larger: the issue's H = 4096 is where it should near its peak.
    hiddenSizes: parseFlags(
      numberListText(z.array(HYPERPARAMETERS.hiddenSize.rule).min(1)),
      values.hidden ?? (backendName === "webgpu" ? "512,2048,4096" : "128,512,2048"),
      () => "--hidden",
    ),
    minSeconds: parseFlags(numberText(positiveNumber()), values["min-seconds"], () => "--min-seconds"),
    ROUNDS: countFlag("rounds", values.rounds),
    runIters: countFlag("iters", values.iters),
  };
});
const N = 1000;
const D = PIXELS_PER_IMAGE;
const VAL_ROWS = 10_000;
const stepFlops = (H: number) => 4 * N * D * H; // X·W1 and Xᵀ·dHidden, 2 FLOPs a term; the H × 10 products are noise
const valFlops = (H: number) => 2 * VAL_ROWS * D * H;

// With --json, stdout's last line is the JSON; the progress goes to stderr.
const say = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
const backend = await initBackend(backendName, backendOptionsOf(readEngineEnv()));
say(`backend: ${backend.name} — ${backend.device} (${backend.version})`);
for (const warning of backend.warnings) say(`  warning: ${warning}`);

// What to compare: with a native BLAS loaded, the WebAssembly backend with and without it; on a GPU,
// the steps as training runs them, with each loss read before the next step is queued (what
// training did before, and what readsBehind is measured against), and with the model's ops instead
// of the fused kernels (fusedKernels.ts).
interface Variant {
  label: string;
  native?: boolean;
  /** Steps a loss is read behind, when not the backend's own readsBehind(). */
  lag?: number;
  /** False: the model's ops instead of the fused kernels. */
  fused?: boolean;
}
const variants: Variant[] =
  backend.name !== "wasm"
    ? readsBehind() > 0
      ? [
          { label: backend.name },
          { label: `${backend.name}, each loss read at once`, lag: 0 },
          { label: `${backend.name}, without fused kernels`, fused: false },
        ]
      : [{ label: backend.name }]
    : blasKernelsActive()
      ? [
          { label: "accelerated", native: true },
          { label: "plain wasm", native: false },
        ]
      : [{ label: "plain wasm", native: false }];

const { dir: dataDir, real, data } = await benchData(values["data-dir"], say);
say(`data: ${real ? "CIFAR-10" : "synthetic CIFAR-10 (no real one found)"} in ${dataDir}, read by both sides`);
// The step samples from the training rows; the validation pass predicts the 10,000 validation rows.
const pool: Split = data.train;
const valSet: Split = data.val;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median milliseconds of `fn` over at least `minRuns` runs and `seconds` seconds, after one warm-up. */
async function medianMs(fn: () => Promise<unknown>, seconds: number, minRuns: number) {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < seconds * 1000) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), runs: times.length };
}

/**
 * Training steps as train() runs them, `count` in a row: on a GPU backend each step's loss is read
 * while the next step runs (readsBehind), so one step alone would time the device's idle gaps too.
 */
function makeSteps(net: TwoLayerNet, count: number, lag = readsBehind()) {
  const labels = new Int32Array(N);
  const batches = minibatches(pool, N, 0);
  let it = 0;
  return async () => {
    const reads: Promise<unknown>[] = [];
    for (let k = 0; k < count; k++) {
      const X = batches.batch(it++, labels);
      const y = tf.tensor1d(labels, "int32");
      const loss = net.sgdStep(X, y, 1e-2, 1e-4);
      disposeRows(X);
      y.dispose();
      reads.push(loss.data().then(() => loss.dispose()));
      while (reads.length > lag) await reads.shift();
    }
    await Promise.all(reads);
  };
}
/** Steps a sample times: one on the CPU backends; ten on a GPU, so the overlap of one with the next counts. */
const STEPS_PER_SAMPLE = readsBehind() > 0 ? 10 : 1;

/** Milliseconds per step in each kernel (plus sampling), averaged over a few steps of the accelerated variant. */
async function profileStep(net: TwoLayerNet, steps = 10): Promise<[string, number][]> {
  const totals = new Map<string, number>();
  const add = (name: string, ms: number) => totals.set(name, (totals.get(name) ?? 0) + ms / steps);
  const labels = new Int32Array(N);
  const batches = minibatches(pool, N, 0);
  for (let it = 0; it < steps; it++) {
    const t = performance.now();
    const X = batches.batch(it, labels);
    const y = tf.tensor1d(labels, "int32");
    add("sample minibatch", performance.now() - t);
    const info = await tf.profile(() => net.sgdStep(X, y, 1e-2, 1e-4));
    // (`…__op` entries are scopes around kernels already listed.)
    const kernels = info.kernels.filter((k) => !k.name.endsWith("__op"));
    for (const k of kernels) add(k.name, k.kernelTimeMs as number);
    // What no registered kernel shows: the products on host rows and the in-place update
    // (blasKernels.ts), the fused kernels (fusedKernels.ts), the engine's bookkeeping, and on a GPU
    // the host's dispatch. The same step again, unprofiled, minus the kernels' time.
    const start = performance.now();
    const again = net.sgdStep(X, y, 1e-2, 1e-4);
    await again.data();
    const kernelMs = kernels.reduce((sum, k) => sum + (k.kernelTimeMs as number), 0);
    add("outside kernels", Math.max(0, performance.now() - start - kernelMs));
    disposeRows(X);
    tf.dispose([y, again, info.result as tf.Tensor]);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

type PeerResult = { hidden: number; msPerIter: number; valMs: number };
type PeerOutput = { results: PeerResult[]; numpy?: string; blas?: string; torch?: string; device?: string };
interface Peer {
  label: string;
  script: string;
  /** What it ran on, once it has run. */
  name: string;
  describe: (out: PeerOutput) => string;
}
const PEERS: Peer[] = [
  {
    label: "NumPy",
    script: "numpyStep.py",
    name: "NumPy unavailable",
    describe: (o) => `NumPy ${o.numpy} on ${o.blas}`,
  },
];
// PyTorch on CUDA (float32, TF32 off) where it works: the GPU peer of the webgpu backend.
if (spawnSync("python3", ["-c", "import torch; assert torch.cuda.is_available()"]).status === 0)
  PEERS.push({
    label: "PyTorch CUDA",
    script: "torchStep.py",
    name: "PyTorch CUDA",
    describe: (o) => `PyTorch ${o.torch} CUDA float32 (TF32 off) on ${o.device}`,
  });

function runPeer(peer: Peer, H: number): PeerOutput | { error: string } {
  const out = spawnSync("python3", [path.join(import.meta.dirname, peer.script)], {
    input: JSON.stringify({ dataDir, hidden: [H], batch: N, minSeconds: minSeconds / ROUNDS }),
    encoding: "utf8",
  });
  if (out.status !== 0)
    return { error: (out.stderr || out.error?.message || "python3 failed").trim().split("\n").at(-1)! };
  return JSON.parse(out.stdout);
}

interface Timing {
  step: number;
  val: number;
}
interface Row {
  H: number;
  ours: Timing[]; // per variant
  peers: (Timing | undefined)[]; // per peer
  profile?: [string, number][];
}

const medianTiming = (ts: Timing[]): Timing => ({
  step: median(ts.map((t) => t.step)),
  val: median(ts.map((t) => t.val)),
});

// The accelerated variant and NumPy take turns for ROUNDS rounds, so a slow spell of this shared
// machine hits both rather than one; the plain variant (5-10× slower) runs once.
const rows: Row[] = [];
// The validation pass as train() runs it: from the uploaded copy on a GPU backend.
const valOnDevice = values.only === "run" ? undefined : residentRows(valSet);
const validationPass = (net: TwoLayerNet) =>
  valOnDevice ? net.predictTensor(valOnDevice) : net.accuracy(valSet.x, valSet.y, valSet.n);
for (const H of values.only === "run" ? [] : hiddenSizes) {
  const net = TwoLayerNet.create({ inputSize: D, hiddenSize: H, numClasses: NUM_CLASSES }, { seed: 0 });
  const ours: Timing[][] = variants.map(() => []);
  const peers: Timing[][] = PEERS.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, variant] of variants.entries()) {
      if (round > 0 && variant.native === false && variants.length > 1) continue;
      if (variant.native !== undefined) setBlasKernels(variant.native);
      setFusedKernels(variant.fused ?? true);
      const seconds = variant.native === false && variants.length > 1 ? minSeconds : minSeconds / ROUNDS;
      const steps = await medianMs(makeSteps(net, STEPS_PER_SAMPLE, variant.lag), seconds, 3);
      const step = { ms: steps.ms / STEPS_PER_SAMPLE };
      const val = await medianMs(() => validationPass(net), seconds / 3, 1);
      ours[i]!.push({ step: step.ms, val: val.ms });
      say(`  ${variant.label} H=${H}: step ${step.ms.toFixed(1)} ms, validation pass ${val.ms.toFixed(0)} ms`);
    }
    for (const [i, peer] of PEERS.entries()) {
      const out = runPeer(peer, H);
      if ("error" in out) peer.name = `${peer.label} unavailable: ${out.error}`;
      else {
        peer.name = peer.describe(out);
        peers[i]!.push({ step: out.results[0]!.msPerIter, val: out.results[0]!.valMs });
        say(
          `  ${peer.label} H=${H}: step ${peers[i]!.at(-1)!.step.toFixed(1)} ms, validation pass ${peers[i]!.at(-1)!.val.toFixed(0)} ms`,
        );
      }
    }
  }
  if (variants[0]!.native !== undefined) setBlasKernels(variants[0]!.native);
  setFusedKernels(true);
  const row: Row = {
    H,
    ours: ours.map(medianTiming),
    peers: peers.map((ts) => (ts.length > 0 ? medianTiming(ts) : undefined)),
  };
  if (values.profile) row.profile = await profileStep(net);
  net.dispose();
  rows.push(row);
}

const gflops = (flops: number, ms: number) => (flops / (ms * 1e6)).toFixed(0);
const ratio = (peer: number | undefined, ours: number) => (peer === undefined ? "—" : `${(peer / ours).toFixed(2)}×`);
function table(title: string, pick: (r: Timing) => number, flops: (H: number) => number) {
  say(`\n${title} (${PEERS.map((p) => p.name).join("; ")})`);
  const names = [...variants.map((v) => v.label), ...PEERS.map((p) => p.label)];
  const versus = variants.flatMap((v) => PEERS.map((p) => `${v.label} vs ${p.label}`));
  say(`| H | ${names.map((n) => `${n} ms | GFLOP/s`).join(" | ")} | ${versus.join(" | ")} |`);
  say(`| ---: |${" ---: | ---: |".repeat(names.length)}${" ---: |".repeat(versus.length)}`);
  for (const row of rows) {
    const all = [...row.ours.map(pick), ...row.peers.map((p) => p && pick(p))];
    const cells = all.map((ms) => (ms === undefined ? "— | —" : `${ms.toFixed(1)} | ${gflops(flops(row.H), ms)}`));
    const ratios = row.ours.flatMap((o) => row.peers.map((p) => ratio(p && pick(p), pick(o))));
    say(`| ${row.H} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
}
if (rows.length > 0) {
  table(`Training step, batch ${N}, D ${D}, median ms`, (r) => r.step, stepFlops);
  table(`Validation pass, ${VAL_ROWS} rows, median ms`, (r) => r.val, valFlops);
  say("\nX vs peer = peer ms / X ms: above 1 means X is faster than the peer.");
}

for (const row of rows.filter((r) => r.profile)) {
  const total = row.profile!.reduce((sum, [, ms]) => sum + ms, 0);
  say(`\nWhere the ${variants[0]!.label} step goes, H=${row.H} (${total.toFixed(1)} ms profiled):`);
  for (const [name, ms] of row.profile!)
    if (ms >= 0.05) say(`  ${name.padEnd(28)} ${ms.toFixed(2).padStart(7)} ms  ${((100 * ms) / total).toFixed(0)}%`);
}

// The whole training run, as users run it, against NumPy's loop.
let runRows: LoopRow[] = [];
if (backend.name === "wasm" && values.only !== "step") {
  say(`\nThe training run, ${runIters} iterations (${variants[0]!.label} vs NumPy, ${ROUNDS} rounds):`);
  runRows = await compareTrainingRuns({ hiddenSizes, iters: runIters, rounds: ROUNDS, dataDir, data, say });
  const spread = (xs: number[]) =>
    `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  say(
    `\nTraining run, batch ${N}, ${runIters} iterations with a validation pass per epoch, ms per iteration: ` +
      `median (min–max) of ${ROUNDS} rounds (${runRows.find((r) => r.numpyName)?.numpyName ?? "NumPy unavailable"})`,
  );
  say("| H | train() ms | NumPy loop ms | train() vs NumPy | final loss (ours / NumPy) | val acc (ours / NumPy) |");
  say("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of runRows) {
    const ours = r.ours.map((t) => t.msPerIter);
    const theirs = r.numpy.map((t) => t.msPerIter);
    const cells = [
      spread(ours),
      theirs.length ? spread(theirs) : `— (${r.numpyError})`,
      ratio(theirs.length ? median(theirs) : undefined, median(ours)),
      `${r.ours[0]!.finalLoss.toFixed(3)} / ${r.numpy[0]?.finalLoss.toFixed(3) ?? "—"}`,
      `${(r.ours[0]!.valAcc * 100).toFixed(1)}% / ${r.numpy[0] ? `${(r.numpy[0].valAcc * 100).toFixed(1)}%` : "—"}`,
    ];
    say(`| ${r.hidden} | ${cells.join(" | ")} |`);
  }
}

// Two runs at once, as one trainer runs them: their products take turns on the JavaScript thread,
// each using every BLAS thread, so together they should go about as fast as one alone. (A CPU-sharing
// question: on a GPU backend the device serialises the two runs' kernels anyway.)
let concurrency: { alone: number; together: number } | undefined;
if (backend.name === "wasm" && values.only !== "run") {
  const H = 512;
  const hp = { hiddenSize: H, learningRate: 0.1, learningRateDecay: 0.95, reg: 1e-4, batchSize: N, numIters: 60 };
  const data = { train: pool, val: { x: pool.x.subarray(0, 1000 * D), y: pool.y.subarray(0, 1000), n: 1000 } };
  const run = async (seed: number) => {
    const net = TwoLayerNet.create({ inputSize: D, hiddenSize: H, numClasses: NUM_CLASSES }, { seed });
    await train(net, data, { ...hp, weightScale: 1e-4, seed });
    net.dispose();
  };
  await run(0); // warm-up
  let start = performance.now();
  await run(1);
  const alone = (performance.now() - start) / hp.numIters;
  start = performance.now();
  await Promise.all([run(2), run(3)]);
  const together = (performance.now() - start) / (2 * hp.numIters);
  concurrency = { alone, together };
  say(
    `\nTwo runs at once in one process, H=${H}, ${hp.numIters} iterations each (${variants[0]!.label}): ` +
      `${together.toFixed(1)} ms per iteration of either, against ${alone.toFixed(1)} ms for one run alone ` +
      `(throughput ${(alone / together).toFixed(2)}× of one run; each run goes at half that).`,
  );
}
releaseResidentRows();

if (values.json)
  console.log(
    JSON.stringify({
      backend: { name: backend.name, device: backend.device, version: backend.version, warnings: backend.warnings },
      batch: N,
      dim: D,
      peers: PEERS.map((p) => p.name),
      rows: rows.map((r) => ({
        hidden: r.H,
        ...Object.fromEntries(
          [...variants.map((v, i) => [v.label, r.ours[i]]), ...PEERS.map((p, i) => [p.label, r.peers[i]])].map(
            ([label, t]) => [
              label as string,
              t && {
                stepMs: (t as Timing).step,
                stepGflops: stepFlops(r.H) / ((t as Timing).step * 1e6),
                valMs: (t as Timing).val,
                valGflops: valFlops(r.H) / ((t as Timing).val * 1e6),
              },
            ],
          ),
        ),
      })),
      concurrency,
      trainingRuns: runRows.map((r) => ({
        hidden: r.hidden,
        iterations: runIters,
        oursMsPerIter: r.ours.map((t) => t.msPerIter),
        numpyMsPerIter: r.numpy.map((t) => t.msPerIter),
        numpy: r.numpyName ?? r.numpyError,
      })),
    }),
  );

process.exit(0);
