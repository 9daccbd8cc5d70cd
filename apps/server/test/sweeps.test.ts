// Hyperparameter sweeps through the real queue and trainer processes.
import { createDb } from "@trainql/db";
import { graphql, type ResultOf, type VariablesOf } from "@trainql/graphql";
import { SWEEP_DEFAULTS } from "@trainql/nn/sweepRules";
import { advanceSweep, reapOrphanedRuns } from "@trainql/runs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cleanup,
  collect,
  countRows,
  eventOf,
  freshDatabase,
  gql,
  gqlOk,
  isTerminal,
  RUN_EVENTS,
  startApi,
  startTrainer,
  type TestServer,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

let databaseUrl: string;
let api: TestServer;

const START_SWEEP = graphql(`
  mutation StartSweep($input: StartSweepInput!) {
    startSweep(input: $input) { id uuid status strategy eta gridIters plannedIters rungs { rung budget trials } }
  }
`);
const SWEEP = graphql(`
  query Sweep($id: ID!) {
    sweep(id: $id) {
      status strategy itersSpent gridIters plannedIters rung error
      bestRun { uuid finalValAcc testAcc hyperparameters { learningRate hiddenSize reg } }
      trials {
        uuid status iteration finalValAcc testAcc budgetIters epochs { epoch iteration } lossHistory(maxPoints: 100000) { iteration loss }
        hyperparameters { learningRate hiddenSize reg learningRateDecay numIters batchSize seed }
      }
    }
  }
`);
const SWEEP_SPACE = graphql(`
  query SweepSpace($id: ID!) {
    sweep(id: $id) {
      space {
        learningRates hiddenSizes regs learningRateDecays
        learningRateRange { min max scale } hiddenSizeRange { min max scale }
        regRange { min max scale } learningRateDecayRange { min max scale }
      }
    }
  }
`);
const CANCEL_SWEEP = graphql(`mutation CancelSweep($id: ID!) { cancelSweep(id: $id) { status } }`);
type SweepData = ResultOf<typeof SWEEP>;

const space = (lrs: number[], hidden: number[], regs: number[]) => ({
  learningRates: lrs,
  hiddenSizes: hidden,
  regs,
  learningRateDecays: [0.95],
});

const count = (table: string) => countRows(databaseUrl, table);

async function finished(id: string): Promise<SweepData["sweep"]> {
  return waitFor(
    async () => {
      const { sweep } = await gqlOk(api.url, SWEEP, { id });
      // `bestRun` and `trials` are read by separate queries, so one response can catch the test
      // accuracy in one and not yet in the other: wait until both show it.
      const tested = (uuid: string) =>
        sweep.bestRun?.testAcc != null && sweep.trials.some((t) => t.uuid === uuid && t.testAcc !== null);
      return sweep.status !== "RUNNING" && (sweep.bestRun === null || tested(sweep.bestRun.uuid)) && sweep;
    },
    120_000,
    "the sweep to end and its best run to be tested",
  );
}

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  await startTrainer(databaseUrl, dataDir);
});

describe("sweeps", () => {
  it("GRID runs every combination, picks the best by validation accuracy and tests only that one", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      // (eta means nothing to GRID: ignored, not stored as given and read back as if it applied.)
      input: {
        space: space([0.05, 0.3], [8, 16], [1e-3]),
        strategy: "GRID",
        numIters: 60,
        batchSize: 20,
        seed: 1,
        eta: -7,
      },
    });
    expect(startSweep.eta).toBeNull();
    const client = wsClient(api.url);
    const events = collect(
      client,
      graphql(`subscription SweepStatus($id: ID!) { sweepEvents(sweepId: $id) { sweep { status } } }`),
      { id: startSweep.id },
      (e) => e.at(-1)!.sweepEvents.sweep.status !== "RUNNING",
    );
    const sweep = await finished(startSweep.id);
    expect((await events).length).toBeGreaterThan(4); // live updates as trials ran
    expect(sweep.status).toBe("SUCCEEDED");
    expect(sweep.trials).toHaveLength(4);
    expect(sweep.trials.every((t) => t.status === "SUCCEEDED" && t.iteration === 60)).toBe(true);
    const bestAcc = Math.max(...sweep.trials.map((t) => t.finalValAcc!));
    expect(sweep.bestRun!.finalValAcc).toBe(bestAcc);
    expect(sweep.trials.filter((t) => t.testAcc !== null).map((t) => t.uuid)).toEqual([sweep.bestRun!.uuid]);
    expect(sweep.itersSpent).toBe(240);
    expect(sweep.gridIters).toBe(240);
  });

  it("SUCCESSIVE_HALVING promotes the best 1/eta from their checkpoints and spends a fraction of the grid", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: space([0.02, 0.1, 0.3, 0.6], [8, 16], [1e-3]),
        strategy: "SUCCESSIVE_HALVING",
        eta: 2,
        numIters: 160,
        batchSize: 20,
        seed: 2,
      },
    });
    expect(startSweep.eta).toBe(2);
    // 8 configurations, eta 2, at least one epoch (20 iterations) in the first rung.
    expect(startSweep.rungs).toEqual([
      { rung: 0, budget: 20, trials: 8 },
      { rung: 1, budget: 40, trials: 4 },
      { rung: 2, budget: 80, trials: 2 },
      { rung: 3, budget: 160, trials: 1 },
    ]);
    // Every state a trial passes through, as the sweep's subscribers see it.
    const events = collect(
      wsClient(api.url),
      graphql(
        `subscription SweepTrials($id: ID!) { sweepEvents(sweepId: $id) { sweep { status trials { uuid status } } } }`,
      ),
      { id: startSweep.id },
      (e) => e.at(-1)!.sweepEvents.sweep.status !== "RUNNING",
      120_000,
    );
    const sweep = await finished(startSweep.id);
    expect(sweep.status).toBe("SUCCEEDED");
    // A trial that reached its rung's budget waits as PAUSED, and STOPPED is final: no trial ever
    // trains again after being shown as STOPPED.
    const history = new Map<string, string[]>();
    for (const { sweepEvents } of await events)
      for (const t of sweepEvents.sweep.trials)
        if (history.get(t.uuid)?.at(-1) !== t.status) history.set(t.uuid, [...(history.get(t.uuid) ?? []), t.status]);
    const all = [...history.values()];
    expect(all.some((states) => states.includes("PAUSED"))).toBe(true);
    for (const states of all) {
      const stopped = states.indexOf("STOPPED");
      if (stopped >= 0) expect(states.slice(stopped)).toEqual(["STOPPED"]);
    }
    expect(sweep.itersSpent).toBe(8 * 20 + 4 * 20 + 2 * 40 + 1 * 80);
    expect(sweep.itersSpent).toBe(startSweep.plannedIters);
    expect(sweep.gridIters).toBe(8 * 160);
    expect(sweep.trials.map((t) => t.iteration).sort((a, b) => a - b)).toEqual([20, 20, 20, 20, 40, 40, 80, 160]);
    expect(sweep.trials.filter((t) => t.status === "SUCCEEDED")).toHaveLength(1);
    expect(sweep.trials.filter((t) => t.status === "STOPPED")).toHaveLength(7);

    // The winner went on from its checkpoints: one unbroken history, as if trained in one go.
    const best = sweep.trials.find((t) => t.uuid === sweep.bestRun!.uuid)!;
    expect(best.lossHistory.map((p) => p.iteration)).toEqual([...Array(160).keys()]);
    expect(best.epochs.map((e) => e.iteration)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
    const { startRun } = await gqlOk(
      api.url,
      graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id } }`),
      {
        input: best.hyperparameters,
      },
    );
    const alone = await waitFor(async () => {
      const { run } = await gqlOk(
        api.url,
        graphql(`query RunLosses($id: ID!) { run(id: $id) { status lossHistory(maxPoints: 100000) { loss } } }`),
        { id: startRun.id },
      );
      return run.status === "SUCCEEDED" && run;
    });
    expect(alone.lossHistory.map((p) => p.loss)).toEqual(best.lossHistory.map((p) => p.loss));
  });

  it("with a requestId, sent again or many times at once, queues one sweep, and refuses the key with other input", async () => {
    const input = {
      requestId: "sweep-retry",
      space: space([0.05, 0.1], [8], [1e-3]),
      strategy: "GRID" as const,
      numIters: 20,
      batchSize: 20,
    };
    const [sweeps, runs] = [await count("Sweep"), await count("Run")];
    const answers = await Promise.all(Array.from({ length: 6 }, () => gqlOk(api.url, START_SWEEP, { input })));
    expect(new Set(answers.map((a) => a.startSweep.id)).size).toBe(1);
    // Sent again later, with the defaults it was given written out: the same request.
    const defaults = { seed: SWEEP_DEFAULTS.seed, eta: SWEEP_DEFAULTS.eta };
    const again = await gqlOk(api.url, START_SWEEP, { input: { ...input, ...defaults } });
    expect(again.startSweep.id).toBe(answers[0]?.startSweep.id);
    expect([await count("Sweep"), await count("Run")]).toEqual([sweeps + 1, runs + 2]);

    const other = await gql(api.url, START_SWEEP, { input: { ...input, numIters: 40 } });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.requestId" });
    expect(other.errors?.[0]?.message).toBe(
      `requestId "sweep-retry" already queued sweep ${answers[0]?.startSweep.uuid} with other input: send a new requestId for a new sweep`,
    );
    expect([await count("Sweep"), await count("Run")]).toEqual([sweeps + 1, runs + 2]);
    await finished(answers[0]!.startSweep.id);
  });

  it("RANDOM samples maxTrials combinations", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: space([0.05, 0.1, 0.3], [8, 16], [1e-3, 1e-2]),
        strategy: "RANDOM",
        maxTrials: 3,
        numIters: 20,
        batchSize: 20,
      },
    });
    const sweep = await finished(startSweep.id);
    expect(sweep.trials).toHaveLength(3);
    expect(new Set(sweep.trials.map((t) => JSON.stringify(t.hyperparameters))).size).toBe(3);
  });

  it("RANDOM draws from ranges, log-uniform by default, and the sweep reports each range and what it drew", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: {
          learningRateRange: { min: 1e-3, max: 1e-1 },
          hiddenSizeRange: { min: 8, max: 16, scale: "LINEAR" },
          regRange: { min: 1e-5, max: 1e-2, scale: "LOG" },
        },
        strategy: "RANDOM",
        maxTrials: 4,
        numIters: 20,
        batchSize: 20,
      },
    });
    // No grid to compare with: every trial drawn, trained in full.
    expect(startSweep).toMatchObject({ gridIters: 80, plannedIters: 80 });
    const sweep = await finished(startSweep.id);
    expect(sweep.status).toBe("SUCCEEDED");
    const hp = sweep.trials.map((t) => t.hyperparameters);
    expect(hp).toHaveLength(4);
    for (const t of hp) {
      expect(t.learningRate).toBeGreaterThanOrEqual(1e-3);
      expect(t.learningRate).toBeLessThanOrEqual(1e-1);
      expect(t.reg).toBeGreaterThanOrEqual(1e-5);
      expect(t.reg).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(t.hiddenSize) && t.hiddenSize >= 8 && t.hiddenSize <= 16).toBe(true);
      expect(t.learningRateDecay).toBe(0.95);
    }
    // Every knob drawn anew per trial, not a few values combined.
    expect(new Set(hp.map((t) => t.learningRate)).size).toBe(4);
    const { sweep: read } = await gqlOk(api.url, SWEEP_SPACE, { id: startSweep.id });
    const ascending = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
    expect(read.space).toEqual({
      learningRates: ascending(hp.map((t) => t.learningRate)),
      hiddenSizes: ascending(hp.map((t) => t.hiddenSize)),
      regs: ascending(hp.map((t) => t.reg)),
      learningRateDecays: [0.95],
      learningRateRange: { min: 1e-3, max: 1e-1, scale: "LOG" },
      hiddenSizeRange: { min: 8, max: 16, scale: "LINEAR" },
      regRange: { min: 1e-5, max: 1e-2, scale: "LOG" },
      learningRateDecayRange: null,
    });
  });

  it("samples a grid of 16.7 M combinations at once, and counts its iterations past GraphQL's 32-bit Int", async () => {
    const values = Array.from({ length: 64 }, (_, i) => (i + 1) / 64);
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: {
          learningRates: values,
          hiddenSizes: values.map((v) => v * 64),
          regs: values,
          learningRateDecays: values,
        },
        strategy: "RANDOM",
        maxTrials: 2,
        numIters: 1_000_000,
        batchSize: 20,
      },
    });
    // Sampled without building the grid, which took seconds and gigabytes in the request.
    expect(startSweep.gridIters).toBe(64 ** 4 * 1_000_000);
    expect(startSweep.plannedIters).toBe(2_000_000);
    await gqlOk(api.url, CANCEL_SWEEP, { id: startSweep.id });
  });

  it("refuses a range where it cannot be drawn from, or given with a list, naming the field and writing nothing", async () => {
    const before = [await count("Sweep"), await count("Run")];
    const refused = async (input: VariablesOf<typeof START_SWEEP>["input"]) => {
      const { errors } = await gql(api.url, START_SWEEP, { input: { batchSize: 20, numIters: 20, ...input } });
      return { field: errors?.[0]?.extensions?.field, message: errors?.[0]?.message };
    };
    const lrRange = { learningRateRange: { min: 1e-3, max: 1e-1 }, hiddenSizes: [8], regs: [0] };
    expect(await refused({ space: lrRange, strategy: "GRID" })).toEqual({
      field: "input.space.learningRateRange",
      message: expect.stringMatching(/^GRID runs every combination of listed values, and a range has none/),
    });
    expect(await refused({ space: lrRange, strategy: "SUCCESSIVE_HALVING" })).toEqual({
      field: "input.maxTrials",
      message: expect.stringMatching(/^a range is drawn from maxTrials times: set maxTrials/),
    });
    expect(await refused({ space: { ...lrRange, learningRates: [0.1] }, strategy: "RANDOM", maxTrials: 2 })).toEqual({
      field: "input.space.learningRateRange",
      message: expect.stringMatching(/give space.learningRates .* or space.learningRateRange .*, not both/),
    });
    expect(
      await refused({
        space: { ...lrRange, regs: null, regRange: { min: 0, max: 1 } },
        strategy: "RANDOM",
        maxTrials: 2,
      }),
    ).toEqual({
      field: "input.space.regRange.min",
      message: expect.stringMatching(/^space.regRange.min must be above 0 on a LOG scale .*scale LINEAR; got 0$/),
    });
    expect(
      await refused({
        space: { ...lrRange, learningRateRange: { min: 0.1, max: 0.01 } },
        strategy: "RANDOM",
        maxTrials: 2,
      }),
    ).toEqual({
      field: "input.space.learningRateRange.max",
      message: "space.learningRateRange.max must be above min (0.1); got 0.01",
    });
    expect(await refused({ space: { hiddenSizes: [8], regs: [0] }, strategy: "RANDOM", maxTrials: 2 })).toEqual({
      field: "input.space.learningRates",
      message: expect.stringMatching(
        /space.learningRates is missing: give the values to try, or space.learningRateRange/,
      ),
    });
    expect([await count("Sweep"), await count("Run")]).toEqual(before);
  });

  it("refuses a grid of more than 256 combinations, and other bad input, writing nothing", async () => {
    const before = [await count("Sweep"), await count("Run")];
    const big = space([0.1, 0.2, 0.3, 0.4, 0.5], [8, 16, 32, 64, 128, 256], [1e-4, 1e-3, 1e-2]);
    const tooBig = await gql(api.url, START_SWEEP, {
      input: { space: { ...big, learningRateDecays: [0.9, 0.95, 1] }, strategy: "GRID", batchSize: 20 },
    });
    expect(tooBig.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.space" });
    expect(tooBig.errors?.[0]?.message).toMatch(
      /the space has 270 combinations; at most 256 can run in full — use strategy RANDOM/,
    );
    const badLr = await gql(api.url, START_SWEEP, {
      input: { space: space([0.1, -1], [8], [0]), strategy: "GRID", batchSize: 20 },
    });
    expect(badLr.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.space.learningRates" });
    expect(badLr.errors?.[0]?.message).toMatch(/learningRate must be a finite number > 0; got -1/);
    const noTrials = await gql(api.url, START_SWEEP, {
      input: { space: space([0.1], [8], [0]), strategy: "RANDOM", batchSize: 20 },
    });
    expect(noTrials.errors?.[0]?.extensions?.field).toBe("input.maxTrials");
    const emptyList = await gql(api.url, START_SWEEP, {
      input: { space: space([], [8], [0]), strategy: "GRID", batchSize: 20 },
    });
    expect(emptyList.errors?.[0]?.message).toMatch(/space.learningRates needs 1 to 64 values; got 0/);
    expect([await count("Sweep"), await count("Run")]).toEqual(before);
  });

  it("cancelling a sweep cancels its queued and running trials and keeps the finished ones", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: { space: space([0.05], [8, 16, 32], [1e-3]), strategy: "GRID", numIters: 1_000_000, batchSize: 20 },
    });
    await waitFor(
      async () => (await gqlOk(api.url, SWEEP, { id: startSweep.id })).sweep.trials.some((t) => t.iteration > 0),
      60_000,
      "a trial to train",
    );
    await gqlOk(api.url, CANCEL_SWEEP, { id: startSweep.id });
    const sweep = await waitFor(
      async () => {
        const { sweep } = await gqlOk(api.url, SWEEP, { id: startSweep.id });
        return sweep.trials.every((t) => t.status === "CANCELLED") && sweep;
      },
      60_000,
      "every trial cancelled",
    );
    expect(sweep.status).toBe("CANCELLED");
    const again = await gql(api.url, CANCEL_SWEEP, { id: startSweep.id });
    expect(again.errors?.[0]?.message).toMatch(/already ended \(CANCELLED\)/);
  });

  describe("without a trainer (the trials' rows set as a trainer would leave them)", () => {
    // A database and API of their own: no trainer takes the trials, and the reaper waits an hour.
    const policy = { timeoutMs: 3_600_000, maxAttempts: 3 };
    const setUp = async () => {
      const url = await freshDatabase();
      const local = await startApi(url, { reapPolicy: policy });
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      cleanup(() => sql.end());
      const db = createDb(url, 1);
      cleanup(() => db.$disconnect());
      const { startSweep } = await gqlOk(local.url, START_SWEEP, {
        input: { space: space([0.05], [8, 16], [1e-3]), strategy: "GRID", numIters: 100, batchSize: 20 },
      });
      const { sweep } = await gqlOk(local.url, SWEEP, { id: startSweep.id });
      const [a, b] = sweep.trials.map((t) => t.uuid) as [string, string];
      const jobs = async () =>
        (await sql.query<{ key: string }>(`SELECT key FROM graphile_worker.jobs ORDER BY key`)).rows.map((r) => r.key);
      return { url, local, sql, db, sweepId: startSweep.id, sweepUuid: startSweep.uuid, a, b, jobs };
    };

    it("cancelling a sweep flags its running trials, so that one whose trainer dies is not re-queued", async () => {
      const { local, sql, db, sweepId, a, b } = await setUp();
      // Trial a trains on a live trainer (its heartbeat is fresh); b waits in the queue.
      await sql.query(
        `UPDATE "Run" SET status = 'RUNNING', "heartbeatAt" = now(), "trainerId" = 'alive' WHERE id = $1`,
        [a],
      );
      const queuedEvents = collect(wsClient(local.url), RUN_EVENTS, { runId: b }, (e) => isTerminal(e.at(-1)!));
      await gqlOk(local.url, CANCEL_SWEEP, { id: sweepId });
      // The queued trial's subscribers hear that it ended.
      expect(eventOf((await queuedEvents).at(-1), "RunStatusEvent")?.status).toBe("CANCELLED");
      const row = async (id: string) =>
        (await sql.query(`SELECT status::text, "cancelRequested" FROM "Run" WHERE id = $1`, [id])).rows[0];
      expect(await row(a)).toEqual({ status: "RUNNING", cancelRequested: true });
      // Its trainer dies before it hears the cancel: the reaper ends the trial instead of re-queueing it.
      await sql.query(`UPDATE "Run" SET "heartbeatAt" = now() - interval '2 hours' WHERE id = $1`, [a]);
      await reapOrphanedRuns(db, policy);
      expect((await row(a)).status).toBe("CANCELLED");
    });

    it("cancelling a sweep while a trainer writes to one of its trials deadlocks neither", async () => {
      const { url, local, sql, sweepId, a } = await setUp();
      await sql.query(
        `UPDATE "Run" SET status = 'RUNNING', "heartbeatAt" = now(), "trainerId" = 'alive' WHERE id = $1`,
        [a],
      );
      // A trainer's epoch write: it renews its lease (the trial's row is its from then on), then writes
      // the trial again, and PostgreSQL checks the trial's sweep key then (a KEY SHARE lock).
      const trainer = new pg.Client({ connectionString: url });
      await trainer.connect();
      cleanup(() => trainer.end());
      await trainer.query("BEGIN");
      await trainer.query(`UPDATE "Run" SET "heartbeatAt" = now() WHERE id = $1`, [a]);
      // cancelSweep locks the sweep, then waits for the trial's row.
      const cancelled = gql(local.url, CANCEL_SWEEP, { id: sweepId });
      await new Promise((r) => setTimeout(r, 500));
      await trainer.query(`UPDATE "Run" SET iteration = 5 WHERE id = $1`, [a]); // (with FOR UPDATE on the sweep: a deadlock)
      await trainer.query("COMMIT");
      expect((await cancelled).errors).toBeUndefined();
    });

    it("the reaper frees a sweep whose advance job a dead trainer held, or whose advance job was lost", async () => {
      const { local, sql, db, sweepId, sweepUuid, a, b, jobs } = await setUp();
      const finish = (id: string, valAcc: number) =>
        sql.query(
          `UPDATE "Run" SET status = 'SUCCEEDED', "finalValAcc" = $2, iteration = 100, "finishedAt" = now() WHERE id = $1`,
          [id, valAcc],
        );
      for (const id of [a, b]) await sql.query(`SELECT graphile_worker.remove_job($1)`, [`train:${id}`]);
      await finish(a, 0.4);
      await finish(b, 0.3);
      // b's trainer queued the advance job, took it, and died holding it (a trainer long silent).
      await sql.query(
        `SELECT graphile_worker.add_job('advance-sweep', json_build_object('sweepId', $1::text),
        queue_name => 'sweep:' || $1, job_key => 'sweep:' || $1)`,
        [sweepUuid],
      );
      // (Locked as graphile-worker's getJob locks a job and its named queue.)
      await sql.query(
        `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-of-dead', locked_at = now() WHERE key = $1`,
        [`sweep:${sweepUuid}`],
      );
      await sql.query(
        `UPDATE graphile_worker._private_job_queues SET locked_by = 'pool-of-dead', locked_at = now()
        WHERE queue_name = $1`,
        [`sweep:${sweepUuid}`],
      );
      const lockedBy = async () =>
        (await sql.query(`SELECT locked_by FROM graphile_worker.jobs WHERE key = $1`, [`sweep:${sweepUuid}`])).rows[0]
          ?.locked_by;
      expect(await lockedBy()).toBe("pool-of-dead");
      await sql.query(
        `INSERT INTO "Trainer" (id, host, pid, backend, device, "backendVersion", "workerIds", "lastSeenAt")
         VALUES ('dead', 'h', 1, 'cpu', 'cpu', 'x', ARRAY['pool-of-dead'], now() - interval '2 hours')`,
      );
      await reapOrphanedRuns(db, policy);
      // Unlocked for a live trainer to take (graphile-worker would have waited 4 hours), its trainer forgotten.
      expect(await lockedBy()).toBeNull();
      expect((await sql.query(`SELECT id FROM "Trainer"`)).rows).toEqual([]);

      // The job failed for good instead (the reaper removes such jobs): the next pass queues another.
      await sql.query(`SELECT graphile_worker.remove_job($1)`, [`sweep:${sweepUuid}`]);
      const logged: string[] = [];
      await reapOrphanedRuns(db, policy, (line) => logged.push(line));
      expect(await jobs()).toEqual([`sweep:${sweepUuid}`]);
      expect(logged.join("\n")).toMatch(/had every trial ended and no job to advance it/);
      await advanceSweep(db, sweepUuid); // (what a trainer does with that job)
      const { sweep } = await gqlOk(local.url, SWEEP, { id: sweepId });
      expect([sweep.status, sweep.bestRun?.uuid]).toEqual(["SUCCEEDED", a]);
    });

    it("deleting a sweep's last queued trial removes its job and lets the sweep finish", async () => {
      const { local, sql, db, sweepId, sweepUuid, a, b, jobs } = await setUp();
      expect(await jobs()).toEqual([`train:${a}`, `train:${b}`].sort());
      // Trial a finished; b, still queued, is all the rung waits for.
      await sql.query(
        `UPDATE "Run" SET status = 'SUCCEEDED', "finalValAcc" = 0.4, iteration = 100, "finishedAt" = now() WHERE id = $1`,
        [a],
      );
      await sql.query(`SELECT graphile_worker.remove_job($1)`, [`train:${a}`]);
      const deletedEvents = collect(wsClient(local.url), RUN_EVENTS, { runId: b }, () => false, 30_000);
      await gqlOk(local.url, graphql(`mutation DeleteRun($id: ID!) { deleteRun(id: $id) }`), { id: b });
      // Its subscription ends (the run is gone); its job is gone, and the sweep is asked to move on.
      await deletedEvents;
      expect(await jobs()).toEqual([`sweep:${sweepUuid}`]);
      await advanceSweep(db, sweepUuid); // (what a trainer does with that job)
      const { sweep } = await gqlOk(local.url, SWEEP, { id: sweepId });
      expect([sweep.status, sweep.bestRun?.uuid]).toEqual(["SUCCEEDED", a]);
    });

    it("deleteSweep deletes an ended sweep with its trials and their jobs, keeps runs made from them, and refuses a live one", async () => {
      const { local, sql, sweepId, a, b, jobs } = await setUp();
      const DELETE_SWEEP = graphql(`mutation DeleteSweep($id: ID!) { deleteSweep(id: $id) }`);
      const rows = async () =>
        (
          await sql.query<{ runs: string; sweeps: string }>(
            `SELECT (SELECT count(*) FROM "Run") AS runs, (SELECT count(*) FROM "Sweep") AS sweeps`,
          )
        ).rows[0];
      const refused = async (message: RegExp) => {
        const result = await gql(local.url, DELETE_SWEEP, { id: sweepId });
        expect(result.errors?.[0]?.extensions?.code).toBe("CONFLICT");
        expect(result.errors?.[0]?.message).toMatch(message);
        expect(await rows()).toEqual({ runs: "2", sweeps: "1" });
      };
      await refused(/is RUNNING: cancel it first \(cancelSweep\), then delete it/);
      // Trial a finished and was asked for its test accuracy; b is still training when the sweep is cancelled.
      await sql.query(
        `UPDATE "Run" SET status = 'SUCCEEDED', "finalValAcc" = 0.4, iteration = 100, "finishedAt" = now() WHERE id = $1`,
        [a],
      );
      await sql.query(`SELECT graphile_worker.remove_job($1)`, [`train:${a}`]);
      await sql.query(
        `SELECT graphile_worker.add_job('evaluate', json_build_object('runId', $1::text), job_key => $2)`,
        [a, `evaluate:${a}`],
      );
      await sql.query(
        `UPDATE "Run" SET status = 'RUNNING', "heartbeatAt" = now(), "trainerId" = 'alive' WHERE id = $1`,
        [b],
      );
      await gqlOk(local.url, CANCEL_SWEEP, { id: sweepId });
      await refused(new RegExp(`trial ${b} is still stopping: delete the sweep once it has`));
      await sql.query(`UPDATE "Run" SET status = 'CANCELLED', "finishedAt" = now() WHERE id = $1`, [b]);
      // A run reproduced from trial a (a run of its own, outside the sweep).
      const [copy] = (
        await sql.query<{ id: string }>(
          `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "reproducedFromId")
           SELECT gen_random_uuid(), 'SUCCEEDED', "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, id
           FROM "Run" WHERE id = $1 RETURNING id::text`,
          [a],
        )
      ).rows;

      const client = wsClient(local.url);
      const ended = [
        collect(client, RUN_EVENTS, { runId: a }, () => false, 30_000),
        collect(
          client,
          graphql(`subscription SweepGone($id: ID!) { sweepEvents(sweepId: $id) { sweep { status } } }`),
          { id: sweepId },
          () => false,
          30_000,
        ),
      ];
      const listed = collect(
        client,
        graphql(`subscription RunsGone { runsChanged { runId kind } }`),
        {},
        (e) => e.filter((c) => c.runsChanged.kind === "deleted").length === 2,
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // (the subscriptions listening)
      expect((await gqlOk(local.url, DELETE_SWEEP, { id: sweepId })).deleteSweep).toBe(sweepId);
      // Its trials' and its own subscribers see them go, and the runs lists hear of both.
      await Promise.all(ended);
      const deleted = (await listed).filter((c) => c.runsChanged.kind === "deleted").map((c) => c.runsChanged.runId);
      expect(deleted.sort()).toEqual([a, b].sort());
      expect(await jobs()).toEqual([]);
      expect(await rows()).toEqual({ runs: "1", sweeps: "0" });
      const survivor = await sql.query(`SELECT "reproducedFromId" FROM "Run" WHERE id = $1`, [copy!.id]);
      expect(survivor.rows).toEqual([{ reproducedFromId: null }]);
      const gone = await gql(local.url, SWEEP, { id: sweepId });
      expect(gone.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect((await gql(local.url, DELETE_SWEEP, { id: sweepId })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect((await gql(local.url, DELETE_SWEEP, { id: "nope" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });

    it("deleteSweep deletes a sweep of 1,000 trials, the most one may have, each announced", async () => {
      const { local, sql, sweepId, sweepUuid } = await setUp();
      await gqlOk(local.url, CANCEL_SWEEP, { id: sweepId });
      // 998 more trials, as a sweep of 50 configurations × 20 seeds has (2,001 notifications).
      await sql.query(
        `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "sweepId")
         SELECT gen_random_uuid(), 'CANCELLED', 8, 0.05, 0.95, 1e-3, 20, 100, 1e-4, i, $1 FROM generate_series(1, 998) AS i`,
        [sweepUuid],
      );
      const deleted = collect(
        wsClient(local.url),
        graphql(`subscription ThousandGone { runsChanged { kind } }`),
        {},
        (e) => e.filter((c) => c.runsChanged.kind === "deleted").length === 1000,
        60_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // (the subscription listening)
      await gqlOk(local.url, graphql(`mutation DeleteBigSweep($id: ID!) { deleteSweep(id: $id) }`), { id: sweepId });
      expect((await deleted).filter((c) => c.runsChanged.kind === "deleted")).toHaveLength(1000);
      const { rows } = await sql.query(
        `SELECT (SELECT count(*) FROM "Run")::int AS runs, (SELECT count(*) FROM "Sweep")::int AS sweeps`,
      );
      expect(rows[0]).toEqual({ runs: 0, sweeps: 0 });
    });
  });
});
