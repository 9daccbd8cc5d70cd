// pnpm --filter @trainql/trainer bench:trainer — whether a run through the trainer (the product path:
// trainRun on a real database, with its callbacks: losses buffered and written every second, each
// epoch's metrics, the weights images and epoch checkpoints as EPOCH_ARTIFACTS_PERCENT paces them, a
// checkpoint every CHECKPOINT_INTERVAL_S) trains as fast as
// `pnpm train` (train() with the CLI's callbacks). Both sides take turns for --rounds rounds, and
// each is timed to the same point inside training: the `elapsedMs` of its last epoch record, i.e.
// the iterations up to that epoch boundary and its validation pass (the trainer's database writes
// after training, the final checkpoint and status, are the trainer's own and not training speed).
// Real CIFAR-10 when CIFAR10_DIR has it, else a generated set of the same size. H = 512, batch 1000.
import { type EpochMetrics, NUM_CLASSES, PIXELS_PER_IMAGE } from "@trainql/nn";
import { TwoLayerNet, train } from "@trainql/nn/engine";
import { DEFAULT_CHECKPOINT_INTERVAL_S } from "../src/env.ts";
import { trainRun } from "../src/trainRun.ts";
import { benchSetup } from "./benchSetup.ts";

const { rounds, hp, db, data, trainerContext, drop } = await benchSetup();

/** Per trainer run, how many of its epochs got their weights image (paced, see ArtifactPace). */
const images: string[] = [];

/** ms per iteration up to the last epoch boundary, through the trainer. */
async function throughTrainer(): Promise<number> {
  const ctx = trainerContext(DEFAULT_CHECKPOINT_INTERVAL_S * 1000);
  const run = await db.run.create({ data: hp });
  await trainRun(ctx, run.id, { id: 0n, flags: null });
  const done = await db.run.findUniqueOrThrow({ where: { id: run.id } });
  if (done.status !== "SUCCEEDED") throw new Error(`bench run ${done.status}: ${done.error}`);
  const last = await db.epochMetric.findFirstOrThrow({ where: { runId: run.id }, orderBy: { epoch: "desc" } });
  images.push(`${await db.weightsImage.count({ where: { runId: run.id } })}/${last.epoch + 1}`);
  return last.elapsedMs / (last.iteration + 1);
}

/** The same, as `pnpm train` runs it (its callbacks when stderr is not a terminal). */
async function asTheCli(): Promise<number> {
  const net = TwoLayerNet.create(
    { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES },
    hp,
  );
  let last: EpochMetrics | undefined;
  const lines: string[] = [];
  await train(net, data, hp, {
    signal: new AbortController().signal,
    onIteration: () => {},
    onEpoch: (m) => {
      last = m;
      lines.push(`epoch ${m.epoch} it ${m.iteration}: loss ${m.loss.toFixed(4)}, val ${(m.valAcc * 100).toFixed(2)}%`);
    },
  });
  net.dispose();
  return last!.elapsedMs / (last!.iteration + 1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const cli: number[] = [];
const trainer: number[] = [];
await asTheCli(); // warm-up
for (let round = 0; round < rounds; round++) {
  // Who goes first alternates, so a machine growing busier or quieter favours neither.
  if (round % 2 === 0) {
    cli.push(await asTheCli());
    trainer.push(await throughTrainer());
  } else {
    trainer.push(await throughTrainer());
    cli.push(await asTheCli());
  }
  console.log(
    `round ${round + 1}: CLI ${cli.at(-1)?.toFixed(1)} ms/iter, trainer ${trainer.at(-1)?.toFixed(1)} ms/iter`,
  );
}
const [a, b] = [median(cli), median(trainer)];
const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
console.log(
  `H = ${hp.hiddenSize}, ${hp.numIters} iterations, medians of ${rounds} rounds: CLI ${a.toFixed(1)} ms/iter (${range(cli)}), ` +
    `trainer ${b.toFixed(1)} ms/iter (${range(trainer)}): the trainer at ${(a / b).toFixed(2)}× the CLI's speed; ` +
    `epochs with a weights image and checkpoint: ${images.join(", ")}`,
);
await drop();
