// A job whose end graphile-worker could not write (the database went away as its task returned) stays
// locked by a live trainer: the trainer frees it, so that its run is queued again and its sweep's
// queue moves. The outage is a TCP proxy between the worker and a real PostgreSQL, taken down.
import { EventEmitter } from "node:events";
import net from "node:net";
import { createDb, type Db } from "@trainql/db";
import { createTestDatabase } from "@trainql/db/testing";
import { DEFAULT_HYPERPARAMETERS } from "@trainql/nn/hyperparameters";
import { enqueueAdvanceSweep, enqueueTrain, reapOrphanedRuns } from "@trainql/runs";
import { type Runner, run as runWorker, type WorkerEvents } from "graphile-worker";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { HeldJobs, releaseLostLocks } from "../src/heldJobs.ts";

/** A TCP proxy to PostgreSQL: down, every connection through it breaks, as in a restart. */
function outageProxy(target: URL) {
  const server = net.createServer();
  const sockets = new Set<net.Socket>();
  server.on("connection", (client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(socket);
      });
    }
    client.pipe(upstream).pipe(client);
  });
  let port = 0;
  return {
    up: () =>
      new Promise<string>((resolve) =>
        server.listen(port, "127.0.0.1", () => {
          port = (server.address() as net.AddressInfo).port;
          const url = new URL(target);
          url.hostname = "127.0.0.1";
          url.port = String(port);
          resolve(url.toString());
        }),
      ),
    down: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let db: Db;
let databaseUrl: string;
let drop: () => Promise<void>;
let runner: Runner | undefined;

beforeAll(async () => {
  const database = await createTestDatabase(inject("databaseUrl"));
  ({ url: databaseUrl, drop } = database);
  db = createDb(databaseUrl, 2);
});
afterEach(async () => {
  await runner?.stop().catch(() => {});
  runner = undefined;
  await db.$executeRaw`DELETE FROM graphile_worker._private_jobs`;
});
afterAll(async () => {
  await db.$disconnect();
  await drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jobs = () =>
  db.$queryRaw<{ key: string; attempts: number; locked: boolean; queueLocked: boolean | null }[]>`
    SELECT j.key, j.attempts, j.locked_at IS NOT NULL AS locked,
      (SELECT q.locked_at IS NOT NULL FROM graphile_worker._private_job_queues q WHERE q.id = j.job_queue_id) AS "queueLocked"
    FROM graphile_worker._private_jobs j ORDER BY j.id`;

/**
 * A worker through the proxy whose task, the first time, waits for the outage and then ends (or
 * throws) while the database is away: graphile-worker's write of that end is lost.
 */
async function workerLosingAnEnd(task: string, outcome: "returns" | "throws") {
  const proxy = outageProxy(new URL(databaseUrl));
  const events: WorkerEvents = new EventEmitter();
  const workerIds: string[] = [];
  events.on("pool:create", ({ workerPool }) => workerIds.push(workerPool.id));
  const held = new HeldJobs(events);
  let calls = 0;
  let taken!: () => void;
  const tookIt = new Promise<void>((resolve) => {
    taken = resolve;
  });
  let ended!: () => void;
  const endedInOutage = new Promise<void>((resolve) => {
    ended = resolve;
  });
  let outage!: () => void;
  const outageStarted = new Promise<void>((resolve) => {
    outage = resolve;
  });
  runner = await runWorker({
    events,
    connectionString: await proxy.up(),
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 100,
    crontab: "",
    logger: undefined,
    taskList: {
      [task]: async () => {
        calls++;
        if (calls > 1) return;
        taken();
        await outageStarted;
        ended();
        if (outcome === "throws") throw new Error("the database is away");
      },
    },
  });
  return {
    workerIds,
    held,
    calls: () => calls,
    /** Takes the database away while the task ends, and brings it back. */
    async loseTheEnd() {
      await tookIt;
      await proxy.down();
      outage();
      await endedInOutage;
      await sleep(500); // (graphile-worker's write of the end fails meanwhile)
      await proxy.up();
    },
  };
}

describe("a job's end lost in a database outage", () => {
  it("leaves the job locked by a live trainer, which ends it as its task did after the grace; the reaper then queues its run again", async () => {
    const run = await db.run.create({ data: DEFAULT_HYPERPARAMETERS });
    await db.$transaction((tx) => enqueueTrain(tx, run.id, []));
    // (As trainRun ends when it cannot claim its run through an outage: it returns, and leaves the
    // run QUEUED for the reaper.)
    const worker = await workerLosingAnEnd("train", "returns");
    await worker.loseTheEnd();
    expect(await jobs()).toEqual([{ key: `train:${run.id}`, attempts: 1, locked: true, queueLocked: null }]);
    // The reaper leaves it: the trainer that locked it is alive.
    await db.trainer.create({
      data: { id: "live", host: "h", pid: 1, backend: "cpu", device: "d", backendVersion: "v", numTrain: 100 },
    });
    await db.trainer.update({ where: { id: "live" }, data: { workerIds: worker.workerIds } });
    await reapOrphanedRuns(db, { timeoutMs: 15_000, maxAttempts: 3 });
    expect(await jobs()).toEqual([{ key: `train:${run.id}`, attempts: 1, locked: true, queueLocked: null }]);

    // Within the grace nothing is touched: a job just taken is locked before its task starts, and an
    // ended one until its end is written.
    expect(await releaseLostLocks(db, worker.workerIds, worker.held.jobs())).toEqual([]);
    expect(await releaseLostLocks(db, worker.workerIds, worker.held.jobs(), 0)).toEqual([]);
    // Past it, the job ends as its task did: it succeeded, so the job is deleted, as graphile-worker's
    // lost write would have (not left for the reaper as a job out of attempts, which for an evaluation
    // would record a failure beside the accuracy its task wrote).
    expect(await releaseLostLocks(db, worker.workerIds, worker.held.jobs(0), 0)).toEqual([
      `train:${run.id} (completed)`,
    ]);
    expect(await jobs()).toEqual([]);

    // The run is QUEUED without a job (its task could not claim it): the reaper queues it again.
    await reapOrphanedRuns(db, { timeoutMs: 15_000, maxAttempts: 3 });
    expect(await jobs()).toEqual([{ key: `train:${run.id}`, attempts: 0, locked: false, queueLocked: null }]);
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("QUEUED");
  });

  it("frees a sweep's named queue with its failed job, which runs again, and never a job a task is running", async () => {
    const sweep = await db.sweep.create({ data: { strategy: "GRID", config: { rungs: [] } } });
    await db.$transaction((tx) => enqueueAdvanceSweep(tx, sweep.id));
    const worker = await workerLosingAnEnd("advance-sweep", "throws");
    await worker.loseTheEnd();
    expect(await jobs()).toEqual([{ key: `sweep:${sweep.id}`, attempts: 1, locked: true, queueLocked: true }]);
    // A task running holds its job whatever the grace.
    const [locked] = await db.$queryRaw<{ id: string }[]>`SELECT id::text FROM graphile_worker._private_jobs`;
    const ended = worker.held.jobs(0);
    expect(await releaseLostLocks(db, worker.workerIds, { ...ended, held: [locked!.id] }, 0)).toEqual([]);

    // Past the grace its task's failure is written, with graphile-worker's backoff, and the sweep's
    // queue is free again.
    expect(await releaseLostLocks(db, worker.workerIds, ended, 0)).toEqual([`sweep:${sweep.id} (failed)`]);
    const [job] = await db.$queryRaw<{ lastError: string; backoff: boolean }[]>`
      SELECT last_error AS "lastError", run_at > now() AS backoff FROM graphile_worker._private_jobs`;
    expect(job).toEqual({ lastError: "the database is away", backoff: true });
    // Attempts left (5): the job runs again, and its end is written this time.
    for (let waited = 0; worker.calls() < 2 || (await jobs()).length > 0; waited += 100) {
      if (waited > 20_000) throw new Error(`the job did not run again: ${JSON.stringify(await jobs())}`);
      await sleep(100);
    }
    expect(worker.calls()).toBe(2);
  });
});
