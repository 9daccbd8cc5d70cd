// pnpm --filter @trainql/trainer bench:trainer — whether a run through the trainer (the product path:
// trainRun on a real database, with its callbacks: losses buffered and written every second, each
// epoch's metrics and weights image, a checkpoint every CHECKPOINT_INTERVAL_S) trains as fast as
// `pnpm train` (train() with the CLI's callbacks). Both sides take turns for --rounds rounds, and
// each is timed to the same point inside training: the `elapsedMs` of its last epoch record, i.e.
// the iterations up to that epoch boundary and its validation pass (the trainer's database writes
// after training, the final checkpoint and status, are the trainer's own and not training speed).
// Real CIFAR-10 when CIFAR10_DIR has it, else a generated set of the same size. H = 512, batch 1000.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb } from "@trainql/db";
import { prepareDatabase } from "@trainql/db/migrate";
import { type EpochMetrics, NUM_CLASSES, PIXELS_PER_IMAGE } from "@trainql/nn";
import { backendOptionsOf, readEngineEnv } from "@trainql/nn/cliEnv";
import { hasCifar10, loadCifar10 } from "@trainql/nn/data";
import { initBackend, TwoLayerNet, train } from "@trainql/nn/engine";
import { writeSyntheticCifar10 } from "@trainql/nn/testing";
import pg from "pg";
import { DEFAULT_CHECKPOINT_INTERVAL_S } from "../src/env.ts";
import { type TrainerContext, trainRun } from "../src/trainRun.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    hidden: { type: "string", default: "512" },
    iters: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
  },
});
const base = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
const name = `trainql_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: base.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
base.pathname = `/${name}`;
const url = base.toString();
await prepareDatabase(url);
const db = createDb(url, 3);

const engine = readEngineEnv();
let dataDir = engine.CIFAR10_DIR ?? "";
if (!hasCifar10(dataDir)) {
  dataDir = await writeSyntheticCifar10(mkdtempSync(path.join(os.tmpdir(), "trainql-bench-")), {
    recordsPerBatch: 10_000,
  });
}
const backend = await initBackend(engine.TRAIN_BACKEND, backendOptionsOf(engine));
const data = await loadCifar10({ dataDir });
console.log(`${backend.device}; data ${dataDir} (${data.train.n} train)`);

const hp = {
  hiddenSize: Number(values.hidden),
  numIters: Number(values.iters),
  batchSize: 1000,
  learningRate: 0.5,
  learningRateDecay: 0.95,
  reg: 1e-4,
  weightScale: 1e-4,
  seed: 0,
};

/** ms per iteration up to the last epoch boundary, through the trainer. */
async function throughTrainer(): Promise<number> {
  const ctx: TrainerContext = {
    db,
    trainerId: "bench",
    backend,
    data,
    active: new Map(),
    checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_S * 1000,
    log: (line) => console.error(line),
  };
  const run = await db.run.create({ data: hp });
  await trainRun(ctx, run.id, 0n);
  const done = await db.run.findUniqueOrThrow({ where: { id: run.id } });
  if (done.status !== "SUCCEEDED") throw new Error(`bench run ${done.status}: ${done.error}`);
  const last = await db.epochMetric.findFirstOrThrow({ where: { runId: run.id }, orderBy: { epoch: "desc" } });
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
for (let round = 0; round < Number(values.rounds); round++) {
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
  `H = ${hp.hiddenSize}, ${hp.numIters} iterations, medians of ${values.rounds} rounds: CLI ${a.toFixed(1)} ms/iter (${range(cli)}), ` +
    `trainer ${b.toFixed(1)} ms/iter (${range(trainer)}): the trainer at ${(a / b).toFixed(2)}× the CLI's speed`,
);
await db.$disconnect();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
