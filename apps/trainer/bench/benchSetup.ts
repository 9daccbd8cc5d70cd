// What the trainer's benchmarks stand on: a database of their own (migrated) in the PostgreSQL of
// DATABASE_URL, the data set (real CIFAR-10 when CIFAR10_DIR has it, else a generated one of the same
// size), the backend the settings ask for, and the run they train (H from --hidden, --iters
// iterations, batch 1000), with --rounds for the caller.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb } from "@trainql/db";
import { prepareDatabase } from "@trainql/db/migrate";
import { backendOptionsOf, readEngineEnv } from "@trainql/nn/cliEnv";
import { hasCifar10, loadCifar10 } from "@trainql/nn/data";
import { initBackend } from "@trainql/nn/engine";
import { referenceRun, writeSyntheticCifar10 } from "@trainql/nn/testing";
import { dataOfDataset } from "@trainql/runs";
import pg from "pg";
import { readTrainerEnv } from "../src/env.ts";
import type { TrainerContext } from "../src/trainRun.ts";

export async function benchSetup() {
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

  const hp = referenceRun(Number(values.hidden), Number(values.iters));
  /** The trainer's context for one timed run, checkpointing every `checkpointIntervalMs`. */
  const trainerContext = (checkpointIntervalMs: number): TrainerContext => ({
    db,
    trainerId: "bench",
    backend,
    data,
    active: new Map(),
    stopping: new AbortController().signal,
    checkpointIntervalMs,
    epochArtifactsShare: readTrainerEnv().EPOCH_ARTIFACTS_PERCENT / 100,
    // (No memory or buffer bound: the bench's runs are the reference's, which every trainer holds.)
    capacity: () => ({
      id: "bench",
      backend: backend.name,
      memoryBytes: null,
      maxBufferBytes: null,
      ...dataOfDataset(data),
    }),
    liveTimeoutMs: 15_000,
    dataWaitMs: 0,
    fleetKnown: () => true,
    log: (line) => console.error(line),
  });
  /** Drops the benchmark's database. */
  const drop = async () => {
    await db.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  return { rounds: Number(values.rounds), hp, db, backend, data, trainerContext, drop };
}
