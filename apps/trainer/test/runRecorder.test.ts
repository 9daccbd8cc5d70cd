// What a trainer writes at a run's end, against a real PostgreSQL: the end it asks for meets what
// others asked of the run meanwhile (here, a cancel).
import { createDb, type Db, sqlTransaction } from "@trainql/db";
import { createTestDatabase } from "@trainql/db/testing";
import { PIXELS_PER_IMAGE } from "@trainql/nn";
import { advanceSweep, heartbeatAtCommit, renewLease } from "@trainql/runs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RunRecorder } from "../src/runRecorder.ts";

let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase(inject("databaseUrl"));
  drop = database.drop;
  db = createDb(database.url, 2);
});
afterAll(async () => {
  await db.$disconnect();
  await drop();
});

const HYPERPARAMETERS = {
  hiddenSize: 8,
  learningRate: 0.1,
  learningRateDecay: 0.95,
  reg: 0,
  batchSize: 20,
  numIters: 100,
  weightScale: 1e-4,
  seed: 1,
};

/** A sweep of one trial, claimed by a recorder that trained it to its rung's budget (50). */
async function trialAtRungEnd(): Promise<{ recorder: RunRecorder; runId: string; sweepId: string }> {
  const sweep = await db.sweep.create({
    data: { strategy: "SUCCESSIVE_HALVING", config: { rungs: [{ rung: 0, budget: 50, trials: 2 }] } },
  });
  const run = await db.run.create({ data: { ...HYPERPARAMETERS, sweepId: sweep.id, budgetIters: 50 } });
  const recorder = new RunRecorder(db, run.id, sweep.id);
  expect(await recorder.start("trainer-a", { name: "cpu", device: "test" }, 1n, NO_DATA)).toEqual({
    lease: 1,
    iteration: 0,
  });
  for (let i = 0; i < 50; i++) recorder.iteration(1);
  return { recorder, runId: run.id, sweepId: sweep.id };
}

/** A trainer's data set, as trainers register it, and none. */
const DATA = { dataFingerprint: "0123456789abcdef", numTrain: 400, numVal: 100 };
const NO_DATA = { dataFingerprint: null, numTrain: null, numVal: null };

const statusOf = async (runId: string) =>
  (await db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } })).status;

describe("RunRecorder.start", () => {
  it("claims a run once, and a retry of its own claim (its reply lost) finds it its own", async () => {
    const run = await db.run.create({ data: HYPERPARAMETERS });
    const backend = { name: "cpu", device: "test" };
    expect(await new RunRecorder(db, run.id).start("trainer-a", backend, 7n, NO_DATA)).toEqual({
      lease: 1,
      iteration: 0,
    });
    // The same trainer and job again: the first try committed (a retry of it, after a lost reply).
    expect(await new RunRecorder(db, run.id).start("trainer-a", backend, 7n, NO_DATA)).toEqual({
      lease: 1,
      iteration: 0,
    });
    // Another job, or another trainer: not theirs.
    expect(await new RunRecorder(db, run.id).start("trainer-a", backend, 8n, NO_DATA)).toBeNull();
    expect(await new RunRecorder(db, run.id).start("trainer-b", backend, 7n, NO_DATA)).toBeNull();
  });

  it("gives a run its first trainer's data set, and leaves the data set of a run that has one", async () => {
    const dataOf = (id: string) =>
      db.run.findUniqueOrThrow({ where: { id }, select: { dataFingerprint: true, numTrain: true, numVal: true } });
    const backend = { name: "cpu", device: "test" };
    const fresh = await db.run.create({ data: HYPERPARAMETERS });
    await new RunRecorder(db, fresh.id).start("trainer-a", backend, 1n, DATA);
    expect(await dataOf(fresh.id)).toEqual(DATA);
    const trained = await db.run.create({ data: { ...HYPERPARAMETERS, ...DATA, numTrain: 40_000 } });
    await new RunRecorder(db, trained.id).start("trainer-a", backend, 2n, {
      ...DATA,
      dataFingerprint: "fedcba9876543210",
    });
    expect(await dataOf(trained.id)).toEqual({ ...DATA, numTrain: 40_000 });
    const untouched = await db.run.create({ data: HYPERPARAMETERS });
    await new RunRecorder(db, untouched.id).start("trainer-a", backend, 3n, NO_DATA);
    expect(await dataOf(untouched.id)).toEqual(NO_DATA);
  });

  it("gives the first trial's data set to its sweep's other trials, and the first seed's to its group", async () => {
    const dataOf = (ids: string[]) =>
      db.run.findMany({ where: { id: { in: ids } }, select: { dataFingerprint: true, numTrain: true, numVal: true } });
    const backend = { name: "cpu", device: "test" };
    const sweep = await db.sweep.create({
      data: { strategy: "SUCCESSIVE_HALVING", config: { rungs: [{ rung: 0, budget: 50, trials: 2 }] } },
    });
    const trials = await Promise.all(
      [1, 2, 3].map(() => db.run.create({ data: { ...HYPERPARAMETERS, sweepId: sweep.id } })),
    );
    const group = await db.runGroup.create({ data: {} });
    const seeds = await Promise.all(
      [1, 2].map((seed) => db.run.create({ data: { ...HYPERPARAMETERS, seed, groupId: group.id } })),
    );
    const stranger = await db.run.create({ data: HYPERPARAMETERS });
    await new RunRecorder(db, trials[0]!.id, sweep.id).start("trainer-a", backend, 11n, DATA);
    expect(await dataOf(trials.map((t) => t.id))).toEqual([DATA, DATA, DATA]);
    await new RunRecorder(db, seeds[1]!.id).start("trainer-a", backend, 12n, DATA);
    expect(await dataOf(seeds.map((t) => t.id))).toEqual([DATA, DATA]);
    expect(await dataOf([stranger.id])).toEqual([NO_DATA]);
  });
});

describe("RunRecorder.finish", () => {
  it("ends a trial CANCELLED, not PAUSED, when a cancel was asked after its last iteration", async () => {
    const { recorder, runId } = await trialAtRungEnd();
    // What cancelRun does to a run whose trainer is alive: it asks, and the trainer ends it.
    await db.run.update({ where: { id: runId }, data: { cancelRequested: true } });
    await recorder.finish("PAUSED", { finalValAcc: 0.2 });
    expect(await db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "CANCELLED",
      cancelRequested: false,
      iteration: 50,
    });
  });

  it("pauses a trial no one cancelled, and leaves a finished run SUCCEEDED even if a cancel came late", async () => {
    const paused = await trialAtRungEnd();
    await paused.recorder.finish("PAUSED", { finalValAcc: 0.2 });
    expect(await statusOf(paused.runId)).toBe("PAUSED");

    const finished = await trialAtRungEnd();
    await db.run.update({ where: { id: finished.runId }, data: { cancelRequested: true } });
    await finished.recorder.finish("SUCCEEDED", { finalValAcc: 0.2 });
    expect(await statusOf(finished.runId)).toBe("SUCCEEDED");
  });
});

describe("RunRecorder.release", () => {
  const jobsOf = async (runId: string) =>
    (
      await db.$queryRaw<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = ${`train:${runId}`}`
    )[0]!.n;

  it("hands a run back to the queue from its checkpoint when its trainer stops", async () => {
    const { recorder, runId } = await trialAtRungEnd();
    await recorder.release({ iteration: 40, data: new Uint8Array(8) });
    expect(await statusOf(runId)).toBe("QUEUED");
    expect(await jobsOf(runId)).toBe(1);
  });

  it("ends a run CANCELLED, not QUEUED, when a cancel came while its trainer stopped", async () => {
    const { recorder, runId } = await trialAtRungEnd();
    // The shutdown aborted the run first: the cancel's abort changes nothing, only the flag tells.
    await db.run.update({ where: { id: runId }, data: { cancelRequested: true } });
    await recorder.release({ iteration: 40, data: new Uint8Array(8) });
    expect(await db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "CANCELLED",
      cancelRequested: false,
    });
    expect(await jobsOf(runId)).toBe(0);
  });
});

describe("RunRecorder.start", () => {
  const spansOf = (runId: string) =>
    db.backendSpan.findMany({
      where: { runId },
      orderBy: { fromIteration: "asc" },
      select: { fromIteration: true, backend: true, device: true },
    });
  const CPU = { name: "wasm", device: "OpenBLAS, 2 threads" };
  const GPU = { name: "webgpu", device: "nvidia / nvidia-h200" };
  const span = (fromIteration: number, on: typeof CPU) => ({ fromIteration, backend: on.name, device: on.device });

  it("records each backend that trains a run, from where it resumed it, and forgets one that kept nothing", async () => {
    const run = await db.run.create({ data: HYPERPARAMETERS });
    const first = new RunRecorder(db, run.id);
    await first.start("trainer-a", CPU, 1n, NO_DATA);
    for (let i = 0; i < 50; i++) first.iteration(1);
    await first.release({ iteration: 40, data: new Uint8Array(8) });
    expect(await spansOf(run.id)).toEqual([span(0, CPU)]);

    // Resumed by a GPU trainer from the checkpoint: from iteration 40 on, sums differ in their last bits.
    const second = new RunRecorder(db, run.id);
    expect(await second.start("trainer-b", GPU, 2n, NO_DATA)).toMatchObject({ iteration: 40 });
    expect(await spansOf(run.id)).toEqual([span(0, CPU), span(40, GPU)]);

    // It stopped before a checkpoint of its own: what it trained is dropped, and so is its span.
    await second.release({ iteration: 40, data: new Uint8Array(8) });
    await new RunRecorder(db, run.id).start("trainer-c", CPU, 3n, NO_DATA);
    expect(await spansOf(run.id)).toEqual([span(0, CPU)]);
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).backend).toBe("wasm");
  });
});

describe("RunRecorder.epoch", () => {
  it("reports what an epoch's artifacts cost of themselves, not the wait behind a write held up", async () => {
    const run = await db.run.create({ data: HYPERPARAMETERS });
    const runId = run.id;
    const failures: unknown[] = [];
    const recorder = new RunRecorder(
      db,
      runId,
      null,
      () => {},
      (error) => failures.push(error),
    );
    await recorder.start("trainer-a", { name: "cpu", device: "test" }, 1n, NO_DATA);
    // Another transaction holds the run's row for 1.5 s: the epoch's first write (its metrics)
    // waits for it, and the artifacts' write waits behind that one.
    let held!: () => void;
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const blocker = db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "Run" WHERE id = ${runId}::uuid FOR UPDATE`;
      held();
      await new Promise((r) => setTimeout(r, 1500));
    });
    await holding;
    const started = performance.now();
    const costMs = await recorder.epoch(
      { epoch: 0, iteration: 9, loss: 2.3, trainAcc: 0.1, valAcc: 0.1, learningRate: 0.1, elapsedMs: 5 },
      {
        weights: { W1: new Float32Array(PIXELS_PER_IMAGE * 8), hiddenSize: 8 },
        checkpoint: { iteration: 10, data: new Uint8Array(64), resume: true, keptEpochs: 2 },
      },
    );
    const wallMs = performance.now() - started;
    await blocker;
    expect(failures).toEqual([]);
    expect(wallMs).toBeGreaterThanOrEqual(1000);
    expect(costMs).toBeGreaterThan(0);
    expect(costMs).toBeLessThan(wallMs - 1000);
    // (Written: the image is the run's.)
    expect(await db.run.findUniqueOrThrow({ where: { id: runId }, select: { weightsEpoch: true } })).toEqual({
      weightsEpoch: 0,
    });
  });
});

describe("advanceSweep", () => {
  it("stops a trial that paused after its sweep ended, rather than leaving it waiting", async () => {
    const { recorder, runId, sweepId } = await trialAtRungEnd();
    await db.sweep.update({ where: { id: sweepId }, data: { status: "CANCELLED", finishedAt: new Date() } });
    await recorder.finish("PAUSED", { finalValAcc: 0.2 }); // (with no cancel asked of the run itself)
    expect(await statusOf(runId)).toBe("PAUSED");
    await advanceSweep(db, sweepId); // (the job finish queued)
    expect(await statusOf(runId)).toBe("STOPPED");
  });
});

describe("a write that holds the run's row for long", () => {
  const heartbeatAgeMs = async (runId: string) =>
    (
      await db.$queryRaw<{ ageMs: number }[]>`
        SELECT (extract(epoch FROM clock_timestamp() - "heartbeatAt") * 1000)::float8 AS "ageMs" FROM "Run" WHERE id = ${runId}::uuid`
    )[0]!.ageMs;
  /** A write as RunRecorder makes them (lease renewed first), taking 1.5 s; stamped at commit or not. */
  const slowWrite = (runId: string, stamp: boolean) =>
    sqlTransaction(
      db,
      async (tx) => {
        await renewLease(tx, runId, 1);
        await tx.$executeRaw`SELECT pg_sleep(1.5)`;
        if (stamp) await heartbeatAtCommit(tx, runId);
      },
      10_000,
    );

  it("leaves the heartbeat at its commit, where renewing the lease left it at its start", async () => {
    const run = await db.run.create({ data: HYPERPARAMETERS });
    await new RunRecorder(db, run.id).start("trainer-a", { name: "cpu", device: "test" }, 1n, NO_DATA);
    // now() is the transaction's start: the reaper, waiting on the row, would see a heartbeat 1.5 s old.
    await slowWrite(run.id, false);
    expect(await heartbeatAgeMs(run.id)).toBeGreaterThanOrEqual(1400);
    await slowWrite(run.id, true);
    expect(await heartbeatAgeMs(run.id)).toBeLessThan(500);
  });
});
