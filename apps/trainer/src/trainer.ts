// A trainer process: loads the data set once, then takes `train` and `evaluate` jobs from the queue.
// More trainers, here or on other machines, join by pointing at the same DATABASE_URL.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import os from "node:os";
import { createDb } from "@trainql/db";
import { formatBytes } from "@trainql/nn";
import { backendOptionsOf } from "@trainql/nn/cliEnv";
import { anyCifar10File, howToGetData, loadCifar10, resolveDataDir } from "@trainql/nn/data";
import {
  type BackendInfo,
  bindableBytes,
  initBackend,
  releaseFreeBuffers,
  releaseResidentRows,
  webgpuLostReason,
} from "@trainql/nn/engine";
import { advanceSweep, createRunPubSub, dataOfDataset, NO_DATA, parsePayload, Reaper, TASK } from "@trainql/runs";
import { reapPolicyOf } from "@trainql/runs/env";
import { Logger, type Runner, run as runWorker, type WorkerEvents } from "graphile-worker";
import type { TrainerEnv } from "./env.ts";
import { evaluateRun } from "./evaluateRun.ts";
import { HeldJobs, releaseLostLocks } from "./heldJobs.ts";
import { WRITES_SETTLE_MS } from "./runRecorder.ts";
import { forbiddenFlagsOf } from "./runRouting.ts";
import { CANCEL_REASON, LOST_REASON, SHUTDOWN_REASON, type TrainerContext, trainRun } from "./trainRun.ts";

/** A trainer started in this process: its id (its row in the Trainer table) and how to stop it. */
export interface StartedTrainer {
  id: string;
  stop(): Promise<void>;
  /** Resolves, with why, if it can no longer train (its GPU lost, no backend loads again): stop it then. */
  unusable: Promise<string>;
}

type Log = (line: string) => void;

/**
 * The backend as the Trainer table shows it (the API's `backend` and `trainers`), with the memory
 * one run may take on it: written again when a lost GPU's trainer loads another backend.
 */
const registeredBackend = ({ name, device, version, warnings, limits }: BackendInfo, env: TrainerEnv) => ({
  backend: name,
  device,
  backendVersion: version,
  warnings,
  maxBufferBytes: limits ? BigInt(bindableBytes(limits)) : null,
  memoryBytes: BigInt(Math.floor(env.TRAINER_MEMORY_MB ? env.TRAINER_MEMORY_MB * 2 ** 20 : memoryForRuns(name, env))),
});

/** Stands for the data directory in what a run's error says. */
const DATA_DIR_PLACEHOLDER = "<data directory>";

async function loadData(env: TrainerEnv, log: Log): Promise<TrainerContext["data"]> {
  const dir = resolveDataDir(env.CIFAR10_DIR);
  // (A copy that is there but broken, say a batch cut off by a full disk, is for loadCifar10 to
  // describe: which file, how many bytes, what was expected.)
  if (!anyCifar10File(dir)) {
    log(
      `WARNING: No CIFAR-10 data found at ${dir}. ${howToGetData(dir)} Runs will fail until the data is there and the trainer restarts.`,
    );
    // What a run's error says, which any reader of the API sees: not where this machine's files lie.
    return {
      error:
        "The trainer found no CIFAR-10 data. Where to put it and how to get it: the New run page, or trainers { dataset { howToGet } } in the API (with a token); then restart the trainer.",
    };
  }
  const start = performance.now();
  try {
    const data = await loadCifar10({ dataDir: dir, recordsPerBatch: env.CIFAR10_RECORDS_PER_BATCH });
    log(
      `data: ${dir} (${data.train.n} train, ${data.val.n} val, ${data.test.n} test) in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
    return data;
  } catch (error) {
    const { message } = error as Error;
    log(`WARNING: ${message}`);
    // Which file and what is wrong with it, as in the log, but not where this machine keeps it.
    return {
      error: `${message.replaceAll(dir, DATA_DIR_PLACEHOLDER)} ${DATA_DIR_PLACEHOLDER} is the trainer's data directory: trainers { dataset { directory } } in the API (with a token).`,
    };
  }
}

/**
 * Memory one run may take: the WebAssembly backend's heap is 4 GiB at most (keep a margin); native
 * backends share the machine with the data set, so half of it. Either is shared by the runs the
 * trainer takes at once (TRAINER_CONCURRENCY): the wasm heap is one per process, and a run it cannot
 * allocate would not fail cleanly (tfjs-backend-wasm does not check its allocations).
 */
function memoryForRuns(backend: string, env: TrainerEnv): number {
  const all = backend === "wasm" ? 3.5 * 2 ** 30 : os.totalmem() / 2;
  return all / env.TRAINER_CONCURRENCY;
}

/**
 * Renews the heartbeat of each run this trainer trains and that moved within the timeout, or waits
 * for its own writes (which end, written or failed, within WRITES_SETTLE_MS): after an outage a CPU
 * run waits for its epoch's write, retried with backoff, and was taken for stuck. A run stuck in a
 * hung call is let go, for the reaper to hand on. Stops runs whose lease is gone or whose cancel was
 * asked while this trainer could not hear it.
 */
async function renewLeases(ctx: TrainerContext, timeoutMs: number): Promise<void> {
  const now = performance.now();
  const moving = [...ctx.active].filter(([, run]) => {
    const writingSince = run.writingSince();
    return now - run.lastProgress < timeoutMs || (writingSince !== undefined && now - writingSince < WRITES_SETTLE_MS);
  });
  if (moving.length === 0) return;
  const ids = moving.map(([runId]) => runId);
  const renewed = await ctx.db.$queryRaw<{ id: string; cancelRequested: boolean }[]>`
    UPDATE "Run" SET "heartbeatAt" = now()
    WHERE id = ANY(${ids}::uuid[]) AND status = 'RUNNING' AND "trainerId" = ${ctx.trainerId}
    RETURNING id::text, "cancelRequested"`;
  const held = new Map(renewed.map((r) => [r.id, r.cancelRequested]));
  for (const [runId, run] of moving) {
    if (!held.has(runId)) run.controller.abort(LOST_REASON);
    else if (held.get(runId)) run.controller.abort(CANCEL_REASON);
  }
}

export async function startTrainer(
  env: TrainerEnv,
  databaseUrl: string,
  log: Log = console.log,
): Promise<StartedTrainer> {
  // Opaque: anyone who may read runs sees which trainer took each; its host and pid are fields of
  // their own (Trainer.host, .pid), shown only to callers with a token.
  const id = `trainer-${randomUUID().slice(0, 13).replace("-", "")}`;
  log(`trainer ${id}: pid ${process.pid} on ${os.hostname()}`);
  const db = createDb(databaseUrl, 3);
  const backend = await initBackend(env.TRAIN_BACKEND, backendOptionsOf(env));
  log(`trainer ${id}: backend ${backend.name} — ${backend.device}`);
  for (const warning of backend.warnings) log(`trainer ${id}: warning: ${warning}`);
  const data = await loadData(env, log);
  // Which data set it has, as it registers it and as the fit of each run is judged.
  const dataIdentity = "error" in data ? NO_DATA : dataOfDataset(data);
  const stopping = new AbortController();
  const reaper = new Reaper(db, reapPolicyOf(env), env.TRAINER_HEARTBEAT_MS, log);
  const ctx: TrainerContext = {
    db,
    trainerId: id,
    backend,
    data,
    active: new Map(),
    stopping: stopping.signal,
    checkpointIntervalMs: env.CHECKPOINT_INTERVAL_S * 1000,
    epochArtifactsShare: env.EPOCH_ARTIFACTS_PERCENT / 100,
    log,
    capacity: () => ({
      id,
      backend: registration.backend,
      memoryBytes: registration.memoryBytes,
      maxBufferBytes: registration.maxBufferBytes,
      ...dataIdentity,
    }),
    liveTimeoutMs: reapPolicyOf(env).timeoutMs,
    fleetKnown: () => reaper.settled(),
    dataWaitMs: env.RUN_DATA_WAIT_MS,
  };

  // Its workers' ids go in its row (filled as they start, before it registers): should it die holding
  // a job, the reaper unlocks the job for another trainer instead of graphile-worker's 4 hours.
  const events: WorkerEvents = new EventEmitter();
  const workerIds: string[] = [];
  // (graphile-worker 0.17 locks a job, and its named queue, under its worker pool's id.)
  events.on("pool:create", ({ workerPool }) => workerIds.push(workerPool.id));
  // And alive, it ends the jobs it still locks that none of its tasks runs (lost ends, see heldJobs.ts).
  const heldJobs = new HeldJobs(events);
  const endLostJobs = async (graceMs?: number) => {
    const jobs = heldJobs.jobs(graceMs);
    try {
      const ended = await releaseLostLocks(db, workerIds, jobs, graceMs);
      heldJobs.forget(jobs.outcomes.keys());
      if (ended.length > 0)
        log(
          `queue: ended ${ended.join(", ")}: locked by this trainer, no task running it (the write of its end was lost)`,
        );
    } catch (error) {
      // (Never the heartbeat's failure: that would stop this trainer's reaper.)
      log(`queue: could not end the jobs this trainer still locks: ${(error as Error).message.split("\n")[0]}`);
    }
  };

  // What this trainer tells the others (and the API) about itself.
  const registration = {
    workerIds,
    concurrency: env.TRAINER_CONCURRENCY,
    id,
    host: os.hostname(),
    pid: process.pid,
    ...registeredBackend(backend, env),
    // Where the data is, or where it was looked for (the API tells users to put it there).
    ...dataIdentity,
    ...("error" in data
      ? { datasetDir: resolveDataDir(env.CIFAR10_DIR) }
      : { datasetDir: data.dataDir, numTest: data.test.n }),
  };
  const pubsub = createRunPubSub(databaseUrl);
  const cancels = await pubsub.listen("trainql:cancel");
  void (async () => {
    for await (const request of cancels)
      if ("runId" in request) ctx.active.get(request.runId)?.controller.abort(CANCEL_REASON);
  })();

  const running = new Set<Promise<void>>();
  /**
   * After the GPU's device was lost (a driver reset, say): once the runs that were on it have
   * ended (they fail with the reason), loads the backend again, from a new device if there is one,
   * and tells the others which it got; runs wait for it. If none loads, the trainer is `unusable`,
   * to be stopped rather than fail every run it would take from the queue, which others may serve.
   */
  let reloading: Promise<void> | undefined;
  let giveUp: (why: string) => void = () => {};
  const unusable = new Promise<string>((resolve) => {
    giveUp = resolve;
  });
  const reloadBackend = (lost: string) =>
    (reloading ??= (async () => {
      log(`trainer ${id}: ${lost}; loading the backend again once its runs have ended`);
      while (running.size > 0) await Promise.allSettled([...running]);
      releaseResidentRows();
      try {
        ctx.backend = await initBackend(env.TRAIN_BACKEND, backendOptionsOf(env));
      } catch (error) {
        const why = `no backend loaded again: ${(error as Error).message}`;
        log(`trainer ${id}: ${why}`);
        giveUp(why);
        return;
      }
      Object.assign(registration, registeredBackend(ctx.backend, env)); // (the next heartbeat writes it)
      log(`trainer ${id}: backend ${ctx.backend.name} — ${ctx.backend.device}`);
    })().finally(() => {
      reloading = undefined;
    }));
  /**
   * Work on the backend: never while it is being loaded again, which waits for it to end. Once no
   * work is left, the GPU buffers TensorFlow.js kept for reuse go: the next run may have other shapes.
   */
  const onBackend = async (work: () => Promise<void>) => {
    await reloading;
    const task = work();
    running.add(task);
    try {
      await task;
    } finally {
      // (Whether the work ended well or not: an evaluation may fail when its writes do.)
      running.delete(task);
      const lost = webgpuLostReason();
      if (lost) await reloadBackend(lost);
      else if (running.size === 0 && ctx.backend.name === "webgpu") {
        const bytes = releaseFreeBuffers();
        if (bytes > 0) log(`trainer ${id}: gave back ${formatBytes(bytes)} of GPU buffers kept from the last run`);
      }
    }
  };
  const runner: Runner = await runWorker({
    events,
    forbiddenFlags: forbiddenFlagsOf(db, id, () => ctx.backend.name, ctx.liveTimeoutMs),
    connectionString: databaseUrl,
    concurrency: env.TRAINER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 500,
    crontab: "",
    // Only graphile-worker's warnings and errors: its info lines would drown ours.
    logger: new Logger(() => (level, message) => {
      if (level === "error" || level === "warning") log(`[queue] ${message}`);
    }),
    taskList: {
      [TASK.train]: async (payload, helpers) => {
        const { runId, waitingSince } = parsePayload(TASK.train, payload);
        await onBackend(() =>
          trainRun(ctx, runId, { id: BigInt(helpers.job.id), flags: helpers.job.flags, waitingSince }),
        );
      },
      [TASK.evaluate]: async (payload, helpers) => {
        const { runId } = parsePayload(TASK.evaluate, payload);
        await onBackend(() => evaluateRun(ctx, runId, { flags: helpers.job.flags }));
      },
      [TASK.advanceSweep]: async (payload) => advanceSweep(db, parsePayload(TASK.advanceSweep, payload).sweepId),
    },
  });
  // Registered once it takes jobs: a trainer in the table is a trainer that is ready (its readiness,
  // for the API and for whoever started it).
  // An upsert: a trainer forgotten while cut off from the database registers again. Seen at the
  // database's now(), not this host's clock (see liveness.ts in @trainql/runs).
  const register = async () => {
    await db.trainer.upsert({ where: { id }, create: registration, update: registeredBackend(ctx.backend, env) });
    await db.$executeRaw`UPDATE "Trainer" SET "lastSeenAt" = now() WHERE id = ${id}`;
  };
  await register();
  let failing = false;
  const heartbeat = setInterval(() => {
    const beat = async () => {
      await register();
      await renewLeases(ctx, env.TRAINER_TIMEOUT_MS);
      await endLostJobs();
    };
    reaper.tick(beat).then(
      () => {
        if (failing) log("heartbeat: the database is back");
        failing = false;
      },
      (error: unknown) => {
        if (!failing) log(`heartbeat failed, retrying: ${(error as Error).message.split("\n")[0]}`);
        failing = true;
      },
    );
  }, env.TRAINER_HEARTBEAT_MS);

  log(`trainer ${id}: waiting for runs (concurrency ${env.TRAINER_CONCURRENCY})`);

  return {
    id,
    unusable,
    async stop() {
      clearInterval(heartbeat);
      // Runs in progress stop after their current iteration, are written and checkpointed, and go
      // back to the queue for any trainer to resume.
      stopping.abort();
      for (const { controller } of ctx.active.values()) controller.abort(SHUTDOWN_REASON);
      // The queue takes no new job from here: a run handed back by one of our workers would
      // otherwise be taken at once by another of them, and trained to its end while we wait.
      const noNewJobs = runner.stop();
      await Promise.allSettled(running);
      await noNewJobs;
      // Once its row is gone, no reaper frees what it still locks: a completion lost meanwhile.
      await endLostJobs(0);
      await cancels.return(undefined);
      await pubsub.close();
      await db.trainer.delete({ where: { id } }).catch(() => {});
      await db.$disconnect();
    },
  };
}
