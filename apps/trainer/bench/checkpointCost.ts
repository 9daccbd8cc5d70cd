// pnpm --filter @trainql/trainer bench:checkpoints — what checkpointing every epoch costs a run, on the
// product path: trainRun (the trainer's task) on a real database, with checkpoints off and at every
// epoch, in alternating rounds; prints ms per iteration and the overhead. Real CIFAR-10 when
// CIFAR10_DIR has it, else a generated set of the same size. H = 512, batch 1000 by default.
import { NUM_CLASSES, PIXELS_PER_IMAGE } from "@trainql/nn";
import { saveCheckpoint, TwoLayerNet } from "@trainql/nn/engine";
import { DEFAULT_CHECKPOINT_INTERVAL_S } from "../src/env.ts";
import { trainRun } from "../src/trainRun.ts";
import { benchSetup } from "./benchSetup.ts";

const { rounds, hp, db, backend, data, trainerContext, drop } = await benchSetup();
async function timeRun(checkpointIntervalMs: number): Promise<number> {
  const ctx = trainerContext(checkpointIntervalMs);
  const run = await db.run.create({ data: hp });
  const start = performance.now();
  await trainRun(ctx, run.id, { id: 0n, flags: null });
  const ms = performance.now() - start;
  const done = await db.run.findUniqueOrThrow({ where: { id: run.id } });
  if (done.status !== "SUCCEEDED") throw new Error(`bench run ${done.status}: ${done.error}`);
  return ms / hp.numIters;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const off: number[] = [];
const every: number[] = [];
await timeRun(Number.MAX_SAFE_INTEGER); // warm-up
for (let round = 0; round < rounds; round++) {
  off.push(await timeRun(Number.MAX_SAFE_INTEGER));
  every.push(await timeRun(0));
  console.log(
    `round ${round + 1}: no checkpoints ${off.at(-1)?.toFixed(1)} ms/iter, every epoch ${every.at(-1)?.toFixed(1)}`,
  );
}
const [a, b] = [median(off), median(every)];
const itersPerEpoch = data.train.n / hp.batchSize;
const perCheckpoint = (b - a) * itersPerEpoch;
const defaultMs = DEFAULT_CHECKPOINT_INTERVAL_S * 1000;
console.log(
  `H = ${hp.hiddenSize}, ${hp.numIters} iterations, ${Math.ceil(hp.numIters / itersPerEpoch)} epochs: ` +
    `no checkpoints ${a.toFixed(1)} ms/iter, a checkpoint every epoch ${b.toFixed(1)} ms/iter (+${(((b - a) / a) * 100).toFixed(1)}%), ` +
    `so one checkpoint costs the run ${perCheckpoint.toFixed(0)} ms: ${((perCheckpoint / Math.max(defaultMs, a * itersPerEpoch)) * 100).toFixed(1)}% ` +
    `of training time at the default interval (one per ${DEFAULT_CHECKPOINT_INTERVAL_S} s)`,
);

// The same cost measured directly, which a busy machine blurs less: one checkpoint taken and written
// (awaited here; the trainer writes it beside training), against the time of one epoch.
const net = TwoLayerNet.create({ inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES }, hp);
const run = await db.run.create({ data: hp });
const costs: number[] = [];
for (let i = 0; i < 9; i++) {
  const start = performance.now();
  const bytes = await saveCheckpoint(net, { hyperparameters: hp, iteration: i, backend: backend.name });
  // As the trainer writes it (RunRecorder.checkpointWrite).
  await db.$executeRaw`INSERT INTO "Checkpoint" ("runId", "iteration", "data") VALUES (${run.id}::uuid, ${i}, ${Buffer.from(bytes)})
    ON CONFLICT ("runId") DO UPDATE SET "iteration" = EXCLUDED."iteration", "data" = EXCLUDED."data"`;
  costs.push(performance.now() - start);
}
net.dispose();
const epochMs = a * itersPerEpoch;
console.log(
  `one checkpoint (${((PIXELS_PER_IMAGE * hp.hiddenSize * 4) / 1e6).toFixed(1)} MB) taken and written: ${median(costs).toFixed(1)} ms; ` +
    `one epoch (${itersPerEpoch} iterations): ${epochMs.toFixed(0)} ms`,
);
await drop();
