// Trainer processes: below the API's CPU priority, sharing one queue, killed mid-run (the run resumes elsewhere), and starting
// after runs were queued.

import { existsSync, readdirSync } from "node:fs";
import { copyFile, mkdtemp, rm, truncate } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDb } from "@trainql/db";
import { graphql } from "@trainql/graphql";
import { enqueueEvaluate, reapOrphanedRuns, releaseJob } from "@trainql/runs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cleanup,
  collect,
  eventOf,
  freshDatabase,
  gql,
  gqlOk,
  RUN_EVENTS,
  startApi,
  startTrainer,
  type TestServer,
  TIMEOUT_MS,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

let databaseUrl: string;
let dataDir: string;
let api: TestServer;

const START = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const CANCEL = graphql(`mutation CancelLeftRun($id: ID!) { cancelRun(id: $id) { id } }`);
const RUN = graphql(
  `query RunState($id: ID!) { run(id: $id) { status iteration error interruptions epochs { epoch } } }`,
);
const runState = async (id: string) => (await gqlOk(api.url, RUN, { id })).run;
/** The run's state once its status is one of `statuses`. */
const runOnceIn = (id: string, statuses: string[], timeoutMs?: number, what?: string) =>
  waitFor(
    async () => {
      const s = await runState(id);
      return statuses.includes(s.status) && s;
    },
    timeoutMs,
    what,
  );

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
});

describe("trainers", () => {
  it("run the runs queued before any trainer started", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push(
        (await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 40, batchSize: 20, seed: i } })).startRun.id,
      );
    }
    const trainer = await startTrainer(databaseUrl, dataDir, { TRAINER_NICE: "7" });
    // Every thread of the trainer, those Node started before our code ran included, below the API.
    if (existsSync(`/proc/${trainer.process.pid}/task`)) {
      const threads = readdirSync(`/proc/${trainer.process.pid}/task`).map(Number);
      expect(threads.length).toBeGreaterThan(1);
      expect(threads.map((thread) => os.getPriority(thread))).toEqual(threads.map(() => 7));
    }
    for (const id of ids) await waitFor(async () => (await runState(id)).status === "SUCCEEDED", 60_000, `run ${id}`);
    // Its queue workers are in its row, for the reaper to unlock what they hold should it die.
    const prisma = createDb(databaseUrl, 1);
    const registered = await prisma.trainer.findMany({ select: { workerIds: true } });
    await prisma.$disconnect();
    expect(registered).toEqual([{ workerIds: [expect.any(String)] }]);
    await trainer.stop();
  });

  it("register the memory one run may take, their WebAssembly heap shared by the runs they take at once", async () => {
    const trainer = await startTrainer(databaseUrl, dataDir, { TRAINER_CONCURRENCY: "2" });
    try {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      const { rows } = await c.query(`SELECT backend, "memoryBytes"::float8 AS bytes FROM "Trainer" WHERE pid = $1`, [
        trainer.process.pid,
      ]);
      await c.end();
      // (3.5 GiB of the 4 GiB heap, for two runs.)
      expect(rows).toEqual([{ backend: "wasm", bytes: (3.5 * 2 ** 30) / 2 }]);
    } finally {
      await trainer.stop();
    }
  });

  it("share one queue, and one runsChanged subscriber sees every run of both", async () => {
    const a = await startTrainer(databaseUrl, dataDir);
    const b = await startTrainer(databaseUrl, dataDir);
    const client = wsClient(api.url);
    const uuids = new Set<string>();
    const finished = new Set<string>();
    const changes = collect(
      client,
      graphql(`subscription RunsChanged { runsChanged { kind runId run { status } } }`),
      {},
      (events) => {
        for (const e of events)
          if (e.runsChanged.run?.status === "SUCCEEDED" && e.runsChanged.runId) finished.add(e.runsChanged.runId);
        return uuids.size === 4 && [...uuids].every((u) => finished.has(u));
      },
    );
    await new Promise((r) => setTimeout(r, 300)); // let the subscription start listening
    for (let i = 0; i < 4; i++) {
      const { startRun } = await gqlOk(api.url, START, {
        input: { hiddenSize: 8, numIters: 300, batchSize: 20, seed: i },
      });
      uuids.add(startRun.uuid);
    }
    const events = await changes;
    expect(
      events
        .filter((e) => e.runsChanged.kind === "created")
        .map((e) => e.runsChanged.runId)
        .sort(),
    ).toEqual([...uuids].sort());
    const { trainers } = await gqlOk(api.url, graphql(`query Trainers { trainers { id } }`));
    expect(trainers.length).toBe(2);
    // Both trainers took work: each run records the trainer that ran it.
    const { runs } = await gqlOk(
      api.url,
      graphql(`query RunTrainers { runs(first: 4) { edges { node { trainerId } } } }`),
    );
    expect(new Set(runs.edges.map((e) => e.node.trainerId)).size).toBe(2);
    expect(a.output()).toContain("waiting for runs");
    expect(b.output()).toContain("waiting for runs");
    await Promise.all([a.stop(), b.stop()]);
  });

  it("resume the run of a trainer killed mid-run from its checkpoint, bit-identical to an uninterrupted run", async () => {
    const hp = { hiddenSize: 8, numIters: 2000, batchSize: 20, seed: 7 };
    const every = { CHECKPOINT_INTERVAL_S: "0" }; // a checkpoint at every epoch
    // The reference: the same run, never interrupted.
    const reference = await startTrainer(databaseUrl, dataDir, every);
    const { startRun: ref } = await gqlOk(api.url, START, { input: hp });
    await waitFor(async () => (await runState(ref.id)).status === "SUCCEEDED", 120_000, "the reference run");
    await reference.stop();

    const victim = await startTrainer(databaseUrl, dataDir, every);
    const { startRun: run } = await gqlOk(api.url, START, { input: hp });
    // A subscriber from the start: across the kill and the resume it must see each epoch and each
    // loss exactly once, and the stream ends after SUCCEEDED.
    const events = collect(wsClient(api.url), RUN_EVENTS, { runId: run.id }, () => false, 120_000);
    await waitFor(async () => (await runState(run.id)).epochs.length >= 5, 60_000, "five epochs");
    // The run's job is locked under an id the trainer registered: what the reaper unlocks once it dies.
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const { rows: held } = await c.query(
      `SELECT j.locked_by, t."workerIds" FROM graphile_worker.jobs j, "Trainer" t WHERE j.key = $1 AND t.pid = $2`,
      [`train:${run.uuid}`, victim.process.pid],
    );
    await c.end();
    expect(held).toHaveLength(1);
    expect(held[0].workerIds).toContain(held[0].locked_by);
    victim.process.kill("SIGKILL");
    await victim.stop("SIGKILL");
    const survivor = await startTrainer(databaseUrl, dataDir, every);
    const done = await runOnceIn(run.id, ["SUCCEEDED"], 120_000, "the killed run to be resumed and finished");
    expect(done.interruptions).toHaveLength(1);
    expect(done.interruptions[0]).toMatch(
      /^attempt 1: trainer trainer-[0-9a-f]{12} stopped making progress at iteration \d+/,
    );
    // What any reader of the run sees names no machine: the trainer's host and pid are for token holders.
    expect(done.interruptions[0]).not.toContain(os.hostname());
    expect(done.interruptions[0]).not.toContain(String(victim.process.pid));
    expect(done.error).toBeNull();

    // The run's clock goes on across the resume (time to an accuracy counts the whole run).
    const clock = new pg.Client({ connectionString: databaseUrl });
    await clock.connect();
    const { rows: times } = await clock.query(
      `SELECT "elapsedMs" FROM "EpochMetric" WHERE "runId" = $1 ORDER BY epoch`,
      [run.uuid],
    );
    await clock.end();
    const elapsed = times.map((r) => r.elapsedMs as number);
    expect(elapsed).toEqual([...elapsed].sort((x, y) => x - y));

    const [a, b] = await Promise.all([history(ref.uuid), history(run.uuid)]);
    expect(b.epochs).toEqual(a.epochs); // every epoch once, with the same metrics bit for bit
    expect(Buffer.compare(b.losses, a.losses)).toBe(0);
    expect(b.losses.length).toBe(hp.numIters * 4);
    expect(Buffer.compare(b.checkpoint, a.checkpoint)).toBe(0); // the same final parameters

    const delivered = await events;
    const epochs = delivered.flatMap((e) => eventOf(e, "RunEpochEvent")?.epoch.epoch ?? []);
    expect(epochs).toEqual([...Array(hp.numIters / hp.batchSize / 1).keys()].slice(0, epochs.length));
    expect(epochs.length).toBe(a.epochs.length);
    const ranges = delivered.flatMap((e) => eventOf(e, "RunLossesEvent") ?? []);
    let next = 0;
    for (const r of ranges) {
      expect(r.fromIteration).toBe(next); // no gap, no overlap
      next = r.toIteration;
    }
    expect(next).toBe(hp.numIters);
    expect(eventOf(delivered.at(-1), "RunStatusEvent")?.status).toBe("SUCCEEDED");
    // The dead trainer's job (still locked by its worker) went with the reaping: nothing piles up.
    await waitFor(async () => (await jobsLeft(databaseUrl)) === 0, 10_000, "no jobs left in the queue");
    await survivor.stop();
  }, 240_000); // two 2,000-iteration runs with a checkpoint every epoch: ~80 s on a quiet machine

  it("fail a run after RUN_MAX_ATTEMPTS interrupted attempts, with each attempt's reason", async () => {
    const db = await freshDatabase();
    const twice = { RUN_MAX_ATTEMPTS: "2", CHECKPOINT_INTERVAL_S: "0" };
    const local = await startApi(db, { reapPolicy: { maxAttempts: 2 } });
    const first = await startTrainer(db, dataDir, twice);
    const { startRun: run } = await gqlOk(local.url, START, {
      input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 },
    });
    const state = async () => (await gqlOk(local.url, RUN, { id: run.id })).run;
    await waitFor(async () => (await state()).epochs.length >= 3, 60_000, "three epochs");
    await first.stop("SIGKILL");
    const second = await startTrainer(db, dataDir, twice);
    await waitFor(async () => (await state()).interruptions.length === 1 && (await state()).status === "RUNNING");
    const resumedAt = (await state()).epochs.length;
    await waitFor(async () => (await state()).epochs.length >= resumedAt + 3, 60_000, "three more epochs");
    await second.stop("SIGKILL");
    const failed = await waitFor(async () => {
      const s = await state();
      return s.status === "FAILED" && s;
    });
    expect(failed.interruptions).toHaveLength(2);
    expect(failed.error).toMatch(/^gave up after 2 attempts, each interrupted: attempt 1: .* \| attempt 2: /);
    expect(failed.epochs.map((e) => e.epoch)).toEqual([...Array(failed.epochs.length).keys()]); // kept, once each
    expect(await jobsLeft(db)).toBe(0);
  });
});

describe("a run that cannot be set up", () => {
  it("fails at once with the reason when its checkpoint does not load, and the trainer trains on", async () => {
    const { startRun: broken } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 40, batchSize: 20 } });
    const { startRun: next } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 40, batchSize: 20 } });
    // As a damaged disk or a bad write would leave it: the run resumes from a checkpoint that is not one.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanup(() => client.end());
    await client.query(`INSERT INTO "Checkpoint" ("runId", iteration, data) VALUES ($1, 20, '\\x00010203'::bytea)`, [
      broken.uuid,
    ]);
    const trainer = await startTrainer(databaseUrl, dataDir);
    const failed = await runOnceIn(broken.id, ["FAILED"]);
    expect(failed.error).toMatch(/^could not set up the run: CheckpointError: /);
    expect(failed.interruptions).toEqual([]);
    await waitFor(async () => (await runState(next.id)).status === "SUCCEEDED", 60_000, "the next run");
    await trainer.stop();
  });
});

describe("a trainer whose data set is broken", () => {
  it("says which file and why, and fails runs with that, rather than call the data missing", async () => {
    // A copy whose third batch was cut off (a full disk, an interrupted copy).
    const broken = await mkdtemp(path.join(os.tmpdir(), "trainql-broken-data-"));
    cleanup(() => rm(broken, { recursive: true, force: true }));
    for (const file of readdirSync(dataDir)) await copyFile(path.join(dataDir, file), path.join(broken, file));
    await truncate(path.join(broken, "data_batch_3.bin"), 1000);
    const trainer = await startTrainer(databaseUrl, broken);
    try {
      const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
      const failed = await runOnceIn(startRun.id, ["FAILED"]);
      expect(failed.error).toMatch(
        /<data directory>\/data_batch_3\.bin: is 1,000 bytes; expected [\d,]+ .* truncated or not a CIFAR-10 binary batch/,
      );
      // Any reader of the API sees a run's error: it does not say where this machine keeps its files
      // (the trainer's own log does).
      expect(failed.error).not.toContain(broken);
      expect(trainer.output()).toContain(path.join(broken, "data_batch_3.bin"));
      expect(trainer.output()).not.toMatch(/No CIFAR-10 data found/);
    } finally {
      await trainer.stop();
    }
  });
});

describe("a run whose iterations outlast the timeout", () => {
  // On a CPU backend a step computes without a turn of the event loop, so no heartbeat could run:
  // 12,000 rows at H = 4,200 take ~5 s a step on a 2-core CPU, and the epoch's training accuracy
  // ~2 s more, longer than the tests' 4 s timeout (15 s in production, which a 40,000-row minibatch
  // outlasts), and the run was taken for dead at every attempt. In slices of 1,000 rows (~0.4 s
  // each, rowsPerSlice), the heartbeats go on.
  //
  // The longest stretch without a heartbeat is now ~1.2 s (the first minibatch gathered, and the first
  // slice). It was 2 s: the engine's turn for timers came in the same pass of the event loop as the
  // database reply the run's set-up went on from, so drawing the parameters (~1 s) and the first slice
  // ran as one (see eventLoop.ts); in CI, with other files' trainers on the 2 cores, one attempt in four
  // lapsed. Still retried, as the margin is the tests' 4 s timeout. Without slicing, the ~5 s step lapses
  // at every attempt.
  it("trains to its end, its heartbeats going on between slices of its steps", {
    retry: 2,
    timeout: 180_000,
  }, async () => {
    const records = 3000; // 12,000 training rows
    const trainer = await startTrainer(databaseUrl, await tinyDataset(records), {
      CIFAR10_RECORDS_PER_BATCH: String(records),
    });
    let runId: string | undefined;
    // (Stopped however the test ends: a trainer left running takes the next tests' jobs; and so is the
    // run, which the next attempt's trainer, or the next tests', would take.)
    try {
      const { startRun: run } = await gqlOk(api.url, START, {
        input: { hiddenSize: 4200, batchSize: 12_000, numIters: 2 },
      });
      runId = run.id;
      const ended = await runOnceIn(run.id, ["SUCCEEDED", "FAILED"], 120_000, "the run to end");
      expect(ended).toMatchObject({ status: "SUCCEEDED", interruptions: [], error: null });
    } finally {
      await trainer.stop();
      if (runId) await gql(api.url, CANCEL, { id: runId });
    }
  });
});

describe("the reaper", () => {
  it("train on a host whose clock is a minute behind the database's, their runs never taken for abandoned", async () => {
    // Judged by the hosts' own clocks, its heartbeats were a minute old when written: every reaper
    // took its runs back, and a run failed after three attempts.
    const behind = await startTrainer(
      databaseUrl,
      dataDir,
      { CLOCK_SKEW_MS: "-60000" },
      { imports: [path.join(import.meta.dirname, "fixtures/skewedClock.ts")] },
    );
    try {
      // ~10 s: longer than the timeout (4 s here), so that the API's reaper looks at it several times.
      const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 8000, batchSize: 20 } });
      const done = await runOnceIn(startRun.id, ["SUCCEEDED", "FAILED"], 90_000, "the run to end");
      expect(done).toMatchObject({ status: "SUCCEEDED", interruptions: [], error: null });
      // And the API sees the trainer as live.
      const { trainers } = await gqlOk(api.url, graphql(`query LiveTrainers { trainers { pid } }`), {});
      expect(trainers.map((t) => t.pid)).toContain(behind.process.pid);
    } finally {
      await behind.stop();
    }
  });

  describe("in a fleet", () => {
    // Another trainer, as its row says it is: live (seen an hour from now), taking nothing here.
    const otherTrainer = async (id: string, backend: string, memoryBytes: number, concurrency = 1) => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(
        `INSERT INTO "Trainer" (id, host, pid, backend, device, "backendVersion", "numTrain", "memoryBytes", concurrency, "lastSeenAt")
         VALUES ($1, 'elsewhere', 1, $2, 'x', 'x', 1000000, $3, $4, now() + interval '1 hour')`,
        [id, backend, memoryBytes, concurrency],
      );
      return {
        set: (column: string, value: unknown) =>
          c.query(`UPDATE "Trainer" SET "${column}" = $2 WHERE id = $1`, [id, value]),
        gone: async () => {
          await c.query(`DELETE FROM "Trainer" WHERE id = $1`, [id]);
          await c.end();
        },
      };
    };
    const jobFlags = async (runId: string) => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      const { rows } = await c.query(`SELECT flags FROM graphile_worker.jobs WHERE key = $1`, [`train:${runId}`]);
      await c.end();
      return rows[0]?.flags as Record<string, boolean> | null | undefined;
    };

    it("a trainer hands a run too big for it to one that can train it, and fails it once none can", async () => {
      const big = await otherTrainer("big", "wasm", 2 ** 33);
      const small = await startTrainer(databaseUrl, dataDir, { TRAINER_MEMORY_MB: "1" });
      try {
        // ~7 MB of parameters: refused by the small trainer's 1 MiB, admitted for the big one.
        const input = { hiddenSize: 512, numIters: 20, batchSize: 20 };
        const { startRun } = await gqlOk(api.url, START, { input });
        const prisma = createDb(databaseUrl, 1);
        const [mine] = await prisma.trainer.findMany({ where: { pid: small.process.pid } });
        await prisma.$disconnect();
        await waitFor(
          async () => (await jobFlags(startRun.uuid))?.[`unfit:${mine!.id}`],
          20_000,
          "the job handed back",
        );
        expect((await runState(startRun.id)).status).toBe("QUEUED");
        // Once: from then on it skips the job (it polls every 500 ms).
        await new Promise((r) => setTimeout(r, 1500));
        expect(small.output().match(/cannot train it \(too big\); handed back for a trainer that can/g)).toHaveLength(
          1,
        );
        // The big trainer is gone: the reaper queues the job again, and the small trainer fails the run.
        await big.gone();
        await waitFor(async () => (await runState(startRun.id)).status === "FAILED", 30_000, "the run to fail");
        expect((await runState(startRun.id)).error).toMatch(
          /^no live trainer can train this run: this run needs about [\d.]+ MiB .* on a wasm trainer, which allows 1\.0 MiB per run: lower hiddenSize or batchSize$/,
        );
      } finally {
        await small.stop();
        await big.gone().catch(() => {});
      }
    });

    it("a trainer that cannot tell who is live (just started, or back from an outage) hands a run back rather than failing it", async () => {
      // Alone, the small trainer fails a run too big for it, but not before its heartbeats have gone
      // through for a whole timeout (after an outage every other trainer's heartbeat looks stale):
      // until then it hands the run back, and a reaper queues it again for it.
      // (Queued before it starts, as startRun queues it while a trainer that fits is live.)
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO "Run" (id, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed)
         VALUES (gen_random_uuid(), 512, 0.1, 0.95, 0, 20, 20, 1e-4, 1) RETURNING id::text`,
      );
      const runId = rows[0]!.id;
      await c.query(`SELECT graphile_worker.add_job('train', json_build_object('runId', $1::text), job_key => $2)`, [
        runId,
        `train:${runId}`,
      ]);
      await c.end();
      const small = await startTrainer(databaseUrl, dataDir, { TRAINER_MEMORY_MB: "1" });
      try {
        await waitFor(async () => (await runState(runId)).status === "FAILED", 30_000, "the run to fail");
        expect(small.output()).toMatch(/cannot train it \(too big\); handed back for a trainer that can/);
        expect((await runState(runId)).error).toMatch(/^no live trainer can train this run: /);
      } finally {
        await small.stop();
      }
    });

    it("a run goes on only where its data set is: handed back while a trainer with it is live, waited for while none is, failed saying why once the wait is over, its evaluation at once", async () => {
      const DATA_WAIT_MS = 8000;
      const trainer = await startTrainer(databaseUrl, dataDir, { RUN_DATA_WAIT_MS: String(DATA_WAIT_MS) });
      const DATA = graphql(`query RunData($id: ID!) { run(id: $id) { data { fingerprint numTrain numVal } } }`);
      const TRAINERS = graphql(`query TrainerData { trainers { dataset { fingerprint } } }`);
      const OTHER = "fedcba9876543210";
      const elsewhere = await otherTrainer("other-data", "wasm", 2 ** 33);
      try {
        // A run takes its first trainer's data set.
        const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
        await runOnceIn(startRun.id, ["SUCCEEDED"], 30_000);
        const fingerprints = (await gqlOk(api.url, TRAINERS)).trainers.map((t) => t.dataset?.fingerprint);
        const mine = fingerprints.find((f) => f && f !== OTHER);
        expect(mine).toMatch(/^[0-9a-f]{16}$/);
        expect((await gqlOk(api.url, DATA, { id: startRun.id })).run.data).toEqual({
          fingerprint: mine,
          numTrain: 400,
          numVal: 100,
        });

        // A run that trained on another data set, which a live trainer has: this trainer hands it back.
        await elsewhere.set("dataFingerprint", OTHER);
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        const { rows } = await c.query<{ id: string }>(
          `INSERT INTO "Run" (id, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "dataFingerprint", "numTrain", "numVal")
           VALUES (gen_random_uuid(), 8, 0.1, 0.95, 0, 20, 20, 1e-4, 1, $1, 40000, 10000) RETURNING id::text`,
          [OTHER],
        );
        const runId = rows[0]!.id;
        await c.query(`SELECT graphile_worker.add_job('train', json_build_object('runId', $1::text), job_key => $2)`, [
          runId,
          `train:${runId}`,
        ]);
        await waitFor(
          async () => Object.keys((await jobFlags(runId)) ?? {}).some((f) => f.startsWith("unfit:")),
          20_000,
          "the job handed back",
        );
        expect((await runState(runId)).status).toBe("QUEUED");
        expect(trainer.output()).toMatch(/cannot train it \(other data set\); handed back for a trainer that can/);

        // The finished run's evaluation, as if it had trained on that data set: handed back too.
        await c.query(`UPDATE "Run" SET "dataFingerprint" = $2 WHERE id = $1`, [startRun.uuid, OTHER]);
        await c.end();
        const EVALUATE = graphql(`mutation EvaluateOtherData($id: ID!) { evaluateTest(runId: $id) { uuid } }`);
        await gqlOk(api.url, EVALUATE, { id: startRun.id });
        await waitFor(
          async () => /cannot evaluate it \(other data set\); handed back/.test(trainer.output()),
          20_000,
          "the evaluation handed back",
        );

        // No trainer has it any more (its own restarting, say): the reaper queues both jobs again. The
        // evaluation fails at once (it can be asked for again); the run, which would fail for good,
        // waits in the queue for a trainer with its data...
        await elsewhere.gone();
        const waiting = new RegExp(`run ${runId}: no live trainer has its data set; it waits in the queue for one`);
        await waitFor(async () => waiting.test(trainer.output()), 20_000, "the run to wait for its data");
        const payload = async () => {
          const db = new pg.Client({ connectionString: databaseUrl });
          await db.connect();
          const { rows } = await db.query(
            `SELECT p.payload, j.run_at > now() AS later FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p USING (id) WHERE j.key = $1`,
            [`train:${runId}`],
          );
          await db.end();
          return rows[0] as { payload: { waitingSince?: string }; later: boolean } | undefined;
        };
        expect(await payload()).toMatchObject({ payload: { waitingSince: expect.any(String) } });
        expect((await runState(runId)).status).toBe("QUEUED");
        // ...and goes to one that starts meanwhile, rather than failing.
        const back = await otherTrainer("other-data-back", "wasm", 2 ** 33);
        await back.set("dataFingerprint", OTHER);
        await waitFor(
          async () => (await payload())?.payload.waitingSince === undefined,
          20_000,
          "the run handed to the trainer with its data",
        );
        expect((await runState(runId)).status).toBe("QUEUED");
        // That one gone too, the run waits RUN_DATA_WAIT_MS again, then fails saying why.
        await back.gone();
        await waitFor(async () => (await payload())?.payload.waitingSince !== undefined, 20_000, "the second wait");
        const since = Date.parse((await payload())?.payload.waitingSince ?? "");
        const failed = await runOnceIn(runId, ["FAILED"], 30_000, "the run to fail");
        expect(Date.now() - since).toBeGreaterThanOrEqual(DATA_WAIT_MS);
        expect(failed.error).toBe(
          `no live trainer has this run's data: it trains on data set ${OTHER} (40,000 training, 10,000 validation images), and this trainer has data set ${mine} (400 training, 100 validation images): start a trainer whose CIFAR10_DIR holds that data, then fork the run from a kept epoch, or start it anew`,
        );
        const TEST = graphql(`query OtherDataTest($id: ID!) { run(id: $id) { testAcc testError } }`);
        await waitFor(
          async () => (await gqlOk(api.url, TEST, { id: startRun.id })).run.testError !== null,
          30_000,
          "the evaluation's failure",
        );
        expect((await gqlOk(api.url, TEST, { id: startRun.id })).run).toEqual({
          testAcc: null,
          testError: expect.stringMatching(
            /^no live trainer has this run's data: it trains on data set fedcba9876543210 /,
          ),
        });
        // Nor is a reproduction of it queued, or a fork: refused up front, naming the run's data set and theirs.
        const REPRODUCE = graphql(`mutation ReproduceOtherData($id: ID!) { reproduceRun(id: $id) { id } }`);
        const { errors } = await gql(api.url, REPRODUCE, { id: startRun.id });
        expect(errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
        expect(errors?.[0]?.message).toContain(
          `the run trains on data set ${OTHER} (400 training, 100 validation images), which no live trainer has (they have data set ${mine} (400 training, 100 validation images)): start a trainer whose CIFAR10_DIR holds that data`,
        );
        const FORK = graphql(`mutation ForkOtherData($input: ForkRunInput!) { forkRun(input: $input) { id } }`);
        const fork = await gql(api.url, FORK, { input: { runId: startRun.id, epoch: 0 } });
        expect(fork.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.runId" });
      } finally {
        await trainer.stop();
        await elsewhere.gone().catch(() => {});
      }
    });

    it("a trainer without the data set hands runs to one that has it, rather than failing them", async () => {
      const withData = await otherTrainer("with-data", "wasm", 2 ** 33);
      const empty = await mkdtemp(path.join(os.tmpdir(), "trainql-no-data-"));
      const dataless = await startTrainer(databaseUrl, empty);
      try {
        const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
        await waitFor(
          async () => Object.keys((await jobFlags(startRun.uuid)) ?? {}).some((f) => f.startsWith("unfit:")),
          20_000,
          "the job handed back",
        );
        expect((await runState(startRun.id)).status).toBe("QUEUED");
        expect(dataless.output()).toMatch(/cannot train it \(no data set\); handed back for a trainer that can/);
        // (Not left queued for the tests after this one.)
        await gqlOk(api.url, graphql(`mutation DeleteQueued($id: ID!) { deleteRun(id: $id) }`), { id: startRun.id });
      } finally {
        await dataless.stop();
        await withData.gone().catch(() => {});
        await rm(empty, { recursive: true, force: true });
      }
    });

    it("a trainer without the data set hands an evaluation to one that has it, and fails it once none has", async () => {
      const trainer = await startTrainer(databaseUrl, dataDir);
      let finished: string;
      try {
        const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
        await waitFor(async () => (await runState(startRun.id)).status === "SUCCEEDED", 30_000, "the run to finish");
        finished = startRun.id;
      } finally {
        await trainer.stop();
      }
      const withData = await otherTrainer("with-data", "wasm", 2 ** 33);
      const empty = await mkdtemp(path.join(os.tmpdir(), "trainql-no-data-"));
      const dataless = await startTrainer(databaseUrl, empty);
      const TEST = graphql(`query TestOutcome($id: ID!) { run(id: $id) { uuid testAcc testError } }`);
      try {
        const EVALUATE = graphql(`mutation EvaluateHandedBack($id: ID!) { evaluateTest(runId: $id) { uuid } }`);
        const { evaluateTest } = await gqlOk(api.url, EVALUATE, { id: finished });
        const flags = async () => {
          const c = new pg.Client({ connectionString: databaseUrl });
          await c.connect();
          const { rows } = await c.query(`SELECT flags FROM graphile_worker.jobs WHERE key = $1`, [
            `evaluate:${evaluateTest.uuid}`,
          ]);
          await c.end();
          return Object.keys(rows[0]?.flags ?? {});
        };
        await waitFor(async () => (await flags()).some((f) => f.startsWith("unfit:")), 20_000, "the job handed back");
        expect(dataless.output()).toMatch(/cannot evaluate it \(no data set\); handed back for a trainer that can/);
        expect((await gqlOk(api.url, TEST, { id: finished })).run).toMatchObject({ testAcc: null, testError: null });
        // The trainer with the data is gone: the reaper queues the job again, and the dataless trainer
        // says why there is no test accuracy, rather than the run waiting for one forever.
        await withData.gone();
        await waitFor(
          async () => (await gqlOk(api.url, TEST, { id: finished })).run.testError !== null,
          30_000,
          "the evaluation's failure",
        );
        expect((await gqlOk(api.url, TEST, { id: finished })).run.testError).toMatch(/^this trainer has no data set: /);
      } finally {
        await dataless.stop();
        await withData.gone().catch(() => {});
        await rm(empty, { recursive: true, force: true });
      }
    });

    it("startRun is refused up front when no GPU can hold the minibatch in one buffer, naming batchSize and what fits", async () => {
      // WebGPU makes no buffer over the device's limit and tells no caller: the step would read zeros.
      const gpu = await otherTrainer("gpu-128mib", "webgpu", 2 ** 36);
      await gpu.set("maxBufferBytes", 2 ** 27); // (the least a WebGPU device binds)
      try {
        // 20,000 × 3,072 floats: 234 MiB. (The test trainers' tiny data sets hold fewer rows.)
        const input = { hiddenSize: 8192, batchSize: 20_000, numIters: 1 };
        const { errors } = await gql(api.url, START, { input });
        expect(errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.batchSize" });
        expect(errors?.[0]?.message).toMatch(
          /a step on a webgpu trainer holds the minibatch \(batchSize × 3,072\) in one GPU buffer, 234\.4 MiB, and its GPU takes at most 128\.0 MiB in one: lower batchSize to 10,922/,
        );
        // SwiftShader binds 1 GiB: the minibatch fits, and the activations (1.22 GiB at 40,000 × 8,192) go in slices.
        await gpu.set("maxBufferBytes", 2 ** 30);
        const { startRun } = await gqlOk(api.url, START, { input: { ...input, batchSize: 40_000 } });
        await gqlOk(api.url, CANCEL, { id: startRun.id });
      } finally {
        await gpu.gone();
      }
    });

    it("startRun is judged by the trainers with a data set: one whose data failed to load trains nothing", async () => {
      const small = await otherTrainer("small", "wasm", 2 ** 20);
      const dataless = await otherTrainer("dataless", "wasm", 2 ** 36);
      await dataless.set("numTrain", null);
      try {
        // ~7 MB of parameters: only the trainer without data would have room.
        const { errors } = await gql(api.url, START, { input: { hiddenSize: 512, numIters: 20, batchSize: 20 } });
        expect(errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.hiddenSize" });
        expect(errors?.[0]?.message).toMatch(
          /this run needs about .* on a wasm trainer, which allows 1\.0 MiB per run/,
        );
      } finally {
        await dataless.gone();
        await small.gone();
      }
    });

    it("a CPU trainer leaves runs to a GPU trainer with room, and trains them once it has none", async () => {
      const gpu = await otherTrainer("gpu", "webgpu", 2 ** 36);
      const cpu = await startTrainer(databaseUrl, dataDir);
      try {
        const { startRun } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
        expect(await jobFlags(startRun.uuid)).toEqual({ "prefers-gpu": true });
        // The CPU trainer polls every 500 ms: in 3 s it would have taken the run six times over.
        await new Promise((r) => setTimeout(r, 3000));
        expect((await runState(startRun.id)).status).toBe("QUEUED");
        await gpu.set("concurrency", 0); // (as if it trained as many runs as it may)
        await waitFor(
          async () => (await runState(startRun.id)).status === "SUCCEEDED",
          30_000,
          "the CPU trainer to train it",
        );
      } finally {
        await cpu.stop();
        await gpu.gone().catch(() => {});
      }
    });
  });

  it("queues again a QUEUED run left without its job (its trainer could not reach the database to claim it)", async () => {
    const { client, prisma, runId: id } = await reaperFixture("QUEUED");
    const logged: string[] = [];
    const reaped = await reapOrphanedRuns(prisma, { timeoutMs: TIMEOUT_MS, maxAttempts: 3 }, (l) => logged.push(l));
    expect(reaped.requeued).toEqual([id]);
    expect(logged.join("\n")).toMatch(/QUEUED without a job; queued it again/);
    const keys = async () => (await client.query(`SELECT key FROM graphile_worker.jobs`)).rows.map((r) => r.key);
    expect(await keys()).toEqual([`train:${id}`]);
    // Once it has its job, it is left alone.
    expect((await reapOrphanedRuns(prisma, { timeoutMs: TIMEOUT_MS, maxAttempts: 3 })).requeued).toEqual([]);
    expect(await keys()).toEqual([`train:${id}`]);
  });

  it("takes back a hung run's job alone, leaving locked the other jobs its trainer holds", async () => {
    const { client, prisma, runId: id } = await reaperFixture("RUNNING");
    // One trainer's pool holds three jobs: the hung run's, an evaluation, and a sweep's advance (with its queue).
    const add = async (sql: string) => (await client.query(`SELECT (${sql}).id::text AS id`)).rows[0].id as string;
    const train = await add(
      `graphile_worker.add_job('train', json_build_object('runId', '${id}'), job_key => 'train:${id}')`,
    );
    const evaluate = await add(`graphile_worker.add_job('evaluate', '{}')`);
    const advance = await add(`graphile_worker.add_job('advance-sweep', '{}', queue_name => 'sweep:s')`);
    await client.query(`UPDATE "Run" SET "jobId" = $1 WHERE id = $2`, [train, id]);
    await client.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-1', locked_at = now()`);
    await client.query(`UPDATE graphile_worker._private_job_queues SET locked_by = 'pool-1', locked_at = now()`);
    const reaped = await reapOrphanedRuns(prisma, { timeoutMs: TIMEOUT_MS, maxAttempts: 3 });
    expect(reaped.requeued).toEqual([id]);
    // How long its trainer was silent, as a length (its heartbeat is an hour old), not a UTC timestamp.
    const { rows: run } = await client.query(`SELECT interruptions FROM "Run" WHERE id = $1`, [id]);
    expect(run[0].interruptions).toEqual([
      "attempt 1: trainer ? stopped making progress at iteration 0; no heartbeat for 1 h 0 min",
    ]);
    const jobs = await client.query(`SELECT id::text, key, locked_by FROM graphile_worker.jobs ORDER BY id`);
    expect(jobs.rows).toEqual([
      { id: evaluate, key: null, locked_by: "pool-1" },
      { id: advance, key: null, locked_by: "pool-1" },
      { id: expect.not.stringMatching(`^${train}$`), key: `train:${id}`, locked_by: null },
    ]);
    const queues = await client.query(`SELECT locked_by FROM graphile_worker._private_job_queues`);
    expect(queues.rows).toEqual([{ locked_by: "pool-1" }]);
  });

  it("unlocks a released job's named queue when the job's pool held it", async () => {
    const { url: db, client, prisma } = await reaperFixture(null);
    const { rows } = await client.query(
      `SELECT (graphile_worker.add_job('x', '{}', queue_name => 'q')).id::text AS id`,
    );
    await client.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-1', locked_at = now()`);
    await client.query(`UPDATE graphile_worker._private_job_queues SET locked_by = 'pool-1', locked_at = now()`);
    await prisma.$transaction((tx) => releaseJob(tx, BigInt(rows[0].id)));
    expect(await jobsLeft(db)).toBe(0);
    const queues = await client.query(`SELECT locked_by FROM graphile_worker._private_job_queues`);
    expect(queues.rows).toEqual([{ locked_by: null }]);
  });

  it("gives an evaluation whose trainer died another attempt, and a run whose evaluation is out of attempts its failure", async () => {
    const { client, prisma, runId: id } = await reaperFixture("SUCCEEDED");
    await prisma.$transaction((tx) => enqueueEvaluate(tx, id));
    // A trainer took it (one attempt) and died while evaluating.
    await client.query(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-dead', locked_at = now(), attempts = attempts + 1`,
    );
    await client.query(
      `INSERT INTO "Trainer" (id, host, pid, backend, device, "backendVersion", "workerIds", "lastSeenAt")
       VALUES ('dead', 'h', 1, 'wasm', 'x', 'x', ARRAY['pool-dead'], now() - interval '1 hour')`,
    );
    const policy = { timeoutMs: TIMEOUT_MS, maxAttempts: 3 };
    await reapOrphanedRuns(prisma, policy);
    const job = async () =>
      (await client.query(`SELECT attempts, max_attempts, locked_by FROM graphile_worker.jobs`)).rows[0];
    expect(await job()).toEqual({ attempts: 1, max_attempts: 3, locked_by: null });
    const testError = async () =>
      (await client.query(`SELECT "testError" FROM "Run" WHERE id = $1`, [id])).rows[0].testError as string | null;
    // Out of attempts, but asked for again meanwhile (graphile-worker drops its key and queues a new
    // job): removed without a word, the new request's outcome is the one the run waits for.
    await client.query(`UPDATE graphile_worker._private_jobs SET attempts = max_attempts`);
    await prisma.$transaction((tx) => enqueueEvaluate(tx, id));
    await reapOrphanedRuns(prisma, policy);
    expect(await job()).toEqual({ attempts: 0, max_attempts: 3, locked_by: null });
    expect(await testError()).toBeNull();
    // That one out of attempts too (its last trainer died as well): the run is told, not left waiting.
    await client.query(`UPDATE graphile_worker._private_jobs SET attempts = max_attempts`);
    await reapOrphanedRuns(prisma, policy);
    expect(await job()).toBeUndefined();
    expect(await testError()).toBe(
      "no trainer could finish the evaluation (3 attempts; its trainer stopped while evaluating it); ask for it again (evaluateTest)",
    );
  });

  it("removes jobs that failed for good, saying what they were", async () => {
    const { url: db, client, prisma } = await reaperFixture(null);
    await client.query(
      `SELECT graphile_worker.permanently_fail_jobs(ARRAY[(graphile_worker.add_job('evaluate', '{"runId": "x"}', max_attempts => 1)).id], 'disk on fire')`,
    );
    expect(await jobsLeft(db)).toBe(1);
    const logged: string[] = [];
    await reapOrphanedRuns(prisma, { timeoutMs: TIMEOUT_MS, maxAttempts: 3 }, (line) => logged.push(line));
    expect(await jobsLeft(db)).toBe(0);
    expect(logged.join("\n")).toMatch(/removed failed evaluate job \d+: disk on fire/);
  });
});

/**
 * A fresh database for the reaper alone: a client to arrange it, Prisma for the reaper, and a run in
 * `status` (with a heartbeat an hour old for RUNNING) whose id is `runId`, unless `status` is null.
 */
async function reaperFixture(status: "QUEUED" | "RUNNING" | "SUCCEEDED" | null) {
  const url = await freshDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup(() => client.end());
  const prisma = createDb(url, 1);
  cleanup(() => prisma.$disconnect());
  let runId = "";
  if (status) {
    const { rows } = await client.query(
      `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "heartbeatAt")
       VALUES (gen_random_uuid(), $1::"RunStatus", 8, 0.1, 0.95, 0, 20, 40, 1e-4, 0,
               CASE WHEN $1::text = 'RUNNING' THEN now() - interval '1 hour' END)
       RETURNING id::text`,
      [status],
    );
    runId = rows[0].id;
  }
  return { url, client, prisma, runId };
}

async function jobsLeft(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs`)).rows[0].n;
  } finally {
    await client.end();
  }
}

/** What is stored of a run: its epochs, its packed losses, its final checkpoint's parameters. */
async function history(runId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const epochs = await client.query(
      `SELECT epoch, iteration, loss, "trainAcc", "valAcc", "learningRate" FROM "EpochMetric" WHERE "runId" = $1 ORDER BY epoch`,
      [runId],
    );
    const losses = await client.query(`SELECT losses FROM "LossChunk" WHERE "runId" = $1 ORDER BY chunk`, [runId]);
    const checkpoint = await client.query(`SELECT data FROM "Checkpoint" WHERE "runId" = $1`, [runId]);
    const data: Buffer = checkpoint.rows[0].data;
    // The parameters: skip the header, whose JSON is the same for both but for nothing that matters.
    const headerBytes = data.readUInt32LE(8);
    return {
      epochs: epochs.rows,
      losses: Buffer.concat(losses.rows.map((r) => r.losses as Buffer)),
      checkpoint: data.subarray(12 + headerBytes),
    };
  } finally {
    await client.end();
  }
}
