// The end-to-end comparison of `pnpm bench`: the whole training run as `pnpm train` runs it — train()
// with the CLI's callbacks (a line per epoch, a SIGINT signal), minibatch sampling, the loss read
// every iteration, the per-epoch train and validation accuracy, the learning-rate decay, and the
// final validation accuracy — against the same loop in NumPy (bench/numpyTrain.py, the reference's
// nn_train) on the same data. The two sides take turns, round after round, and the figures are
// medians of the rounds' wall times, so a busy spell of a shared machine hits both.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { NUM_CLASSES, PIXELS_PER_IMAGE } from "../src/data/cifar10.ts";
import type { Cifar10Dataset } from "../src/data/dataset.ts";
import { TwoLayerNet } from "../src/model/twoLayerNet.ts";
import { referenceRun } from "../src/testing.ts";
import type { Hyperparameters } from "../src/training/hyperparameters.ts";
import { type EpochMetrics, train } from "../src/training/train.ts";

export interface RunTiming {
  /** Wall time of the run, ms per iteration. */
  msPerIter: number;
  finalLoss: number;
  valAcc: number;
}

export interface LoopRow {
  hidden: number;
  ours: RunTiming[];
  numpy: RunTiming[];
  numpyName?: string;
  numpyError?: string;
}

export interface LoopOptions {
  hiddenSizes: number[];
  iters: number;
  rounds: number;
  dataDir: string;
  data: Cifar10Dataset;
  say: (line: string) => void;
}

/** Iterations each side runs first, untimed (iteration 0 is an epoch's: it warms the validation pass too). */
const WARMUP_ITERS = 3;

/** One run of train() with the CLI's callbacks when stderr is not a terminal (a line per epoch). */
async function ourRun(data: Cifar10Dataset, hp: Hyperparameters, log: (line: string) => void): Promise<RunTiming> {
  const net = TwoLayerNet.create(
    { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES },
    hp,
  );
  const controller = new AbortController();
  const start = performance.now();
  const result = await train(net, data, hp, {
    signal: controller.signal,
    onIteration: () => {},
    onEpoch: (m: EpochMetrics) =>
      log(
        `epoch ${m.epoch} it ${m.iteration}/${hp.numIters}: loss ${m.loss.toFixed(4)}, train ${(m.trainAcc * 100).toFixed(2)}%, val ${(m.valAcc * 100).toFixed(2)}%, lr ${m.learningRate.toExponential(3)}`,
      ),
  });
  const ms = performance.now() - start;
  net.dispose();
  return { msPerIter: ms / hp.numIters, finalLoss: result.lossHistory.at(-1)!, valAcc: result.finalValAcc };
}

function numpyRun(dataDir: string, hp: Hyperparameters): (RunTiming & { name: string }) | { error: string } {
  const out = spawnSync("python3", [path.join(import.meta.dirname, "numpyTrain.py")], {
    input: JSON.stringify({
      dataDir,
      hidden: hp.hiddenSize,
      batch: hp.batchSize,
      iters: hp.numIters,
      warmupIters: WARMUP_ITERS,
      lr: hp.learningRate,
      lrDecay: hp.learningRateDecay,
      reg: hp.reg,
      weightScale: hp.weightScale,
      seed: hp.seed,
    }),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0)
    return { error: (out.stderr || out.error?.message || "python3 failed").trim().split("\n").at(-1)! };
  const o = JSON.parse(out.stdout) as {
    numpy: string;
    blas: string;
    msPerIter: number;
    finalLoss: number;
    valAcc: number;
  };
  return { msPerIter: o.msPerIter, finalLoss: o.finalLoss, valAcc: o.valAcc, name: `NumPy ${o.numpy} on ${o.blas}` };
}

export async function compareTrainingRuns({ hiddenSizes, iters, rounds, dataDir, data, say }: LoopOptions) {
  const rows: LoopRow[] = [];
  const quiet = () => {};
  for (const H of hiddenSizes) {
    const row: LoopRow = { hidden: H, ours: [], numpy: [] };
    await ourRun(data, referenceRun(H, WARMUP_ITERS), quiet);
    for (let round = 0; round < rounds; round++) {
      // Who goes first alternates, so a machine growing busier or quieter favours neither.
      const peerFirst = round % 2 === 1;
      const peer0 = peerFirst ? numpyRun(dataDir, referenceRun(H, iters)) : undefined;
      const ours = await ourRun(data, referenceRun(H, iters), quiet);
      row.ours.push(ours);
      const peer = peer0 ?? numpyRun(dataDir, referenceRun(H, iters));
      if ("error" in peer) row.numpyError = peer.error;
      else {
        row.numpy.push(peer);
        row.numpyName = peer.name;
      }
      const peerSays = "error" in peer ? `NumPy unavailable: ${peer.error}` : `NumPy ${peer.msPerIter.toFixed(1)}`;
      say(`  training run H=${H} round ${round + 1}: train() ${ours.msPerIter.toFixed(1)}, ${peerSays} ms/iteration`);
    }
    rows.push(row);
  }
  return rows;
}
