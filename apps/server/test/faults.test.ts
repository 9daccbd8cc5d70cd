// Faults with real processes: PostgreSQL restarting under a training run, a trainer stopped with
// SIGTERM, and the API restarting under a live subscriber (the example client).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "../src/app.ts";
import { type Database, spawnEmbeddedPostgres } from "../src/db/database.ts";
import { migrate } from "../src/db/migrate.ts";
import { prepareQueue } from "../src/queue/runQueue.ts";
import {
  cleanup,
  freshDatabase,
  gqlOk,
  startApi,
  startTrainer,
  type TestServer,
  tinyDataset,
  waitFor,
} from "./harness.ts";

const START = `mutation ($input: StartRunInput!) { startRun(input: $input) { id } }`;
const RUN = `query ($id: ID!) { run(id: $id) { status iteration error epochs { epoch iteration } lossHistory(maxPoints: 100000) { iteration } hasCheckpoint } }`;
type RunState = {
  status: string;
  iteration: number;
  error: string | null;
  epochs: { epoch: number; iteration: number }[];
  lossHistory: { iteration: number }[];
  hasCheckpoint: boolean;
};
const runState = async (url: string, id: string) => (await gqlOk<{ run: RunState }>(url, RUN, { id })).run;

let dataDir: string;
beforeAll(async () => {
  dataDir = await tinyDataset();
});

describe("PostgreSQL restarts during a run", () => {
  let pg: Database;
  const pgDir = path.resolve(import.meta.dirname, "../../../.data/fault-postgres");
  let api: TestServer;

  beforeAll(async () => {
    // A PostgreSQL of our own, to stop and start under the running system.
    pg = await spawnEmbeddedPostgres(pgDir, 54333);
    cleanup(() => pg.stop());
    await migrate(pg.url);
    await prepareQueue(pg.url);
    await new (await import("pg")).default.Client({ connectionString: pg.url }).connect().then(async (c) => {
      await c.query(`TRUNCATE "Run", "Trainer", "Sweep" CASCADE; DELETE FROM graphile_worker._private_jobs`);
      await c.end();
    });
    api = await startApi(pg.url);
  });

  // The run completes with every epoch and loss stored — or, if the outage outlasts the trainers'
  // timeout before the trainer gets to beat again, it fails with that reason; never a silent gap.
  it("the trainer retries its writes; the run ends with no gap in what was stored", async () => {
    const trainer = await startTrainer(pg.url, dataDir);
    const { startRun } = await gqlOk<{ startRun: { id: string } }>(api.url, START, {
      input: { hiddenSize: 8, numIters: 4000, batchSize: 20 },
    });
    await waitFor(async () => (await runState(api.url, startRun.id)).epochs.length >= 3, 60_000, "3 epochs");
    await pg.stop();
    await new Promise((r) => setTimeout(r, 4000)); // longer than the trainers' 3 s timeout
    pg = await spawnEmbeddedPostgres(pgDir, 54333);
    const run = await waitFor(
      async () => {
        const s = await runState(api.url, startRun.id).catch(() => null);
        return s && s.status !== "RUNNING" && s;
      },
      120_000,
      "the run to end",
    );
    const epochs = run.epochs.map((e) => e.epoch);
    const iterations = run.lossHistory.map((p) => p.iteration);
    expect(epochs).toEqual([...Array(epochs.length).keys()]); // each epoch once, from 0, no gap
    expect(iterations).toEqual([...Array(iterations.length).keys()]);
    if (run.status === "SUCCEEDED") {
      expect(epochs.length).toBe(200); // 4000 / 20
      expect(iterations.length).toBe(4000);
    } else {
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatch(/stopped responding; last heartbeat/);
    }
    expect(trainer.output()).toMatch(/database unreachable .* retrying run/);
    await trainer.stop();
  });
});

describe("a trainer stopped with SIGTERM", () => {
  it("writes what it did, checkpoints, hands the run back, and another trainer resumes it", async () => {
    const databaseUrl = await freshDatabase();
    const api = await startApi(databaseUrl);
    const first = await startTrainer(databaseUrl, dataDir);
    const { startRun } = await gqlOk<{ startRun: { id: string } }>(api.url, START, {
      input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 },
    });
    await waitFor(async () => (await runState(api.url, startRun.id)).epochs.length >= 3, 60_000, "3 epochs");
    await first.stop("SIGTERM");
    const released = await runState(api.url, startRun.id);
    expect(released.status).toBe("QUEUED");
    expect(released.hasCheckpoint).toBe(true);
    expect(released.lossHistory.length).toBe(released.iteration); // every completed iteration written

    await startTrainer(databaseUrl, dataDir);
    const resumed = await waitFor(
      async () => {
        const s = await runState(api.url, startRun.id);
        return s.status === "RUNNING" && s.epochs.length >= released.epochs.length + 3 && s;
      },
      60_000,
      "the run to resume and go on",
    );
    const epochs = resumed.epochs.map((e) => e.epoch);
    expect(epochs).toEqual([...Array(epochs.length).keys()]); // no gap, no duplicate across the hand-over
    expect(resumed.lossHistory.map((p) => p.iteration)).toEqual([...Array(resumed.lossHistory.length).keys()]);
    await gqlOk(api.url, `mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: startRun.id });
  });
});

describe("the API restarts under a live subscriber", () => {
  it("the example client reconnects and prints every epoch once, in order", async () => {
    const databaseUrl = await freshDatabase();
    let app: App = buildApp({ databaseUrl, trainerTimeoutMs: 3000 });
    const port = await app.start(0);
    cleanup(() => app.stop());
    await startTrainer(databaseUrl, dataDir);
    const client: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "startRun.ts", "--hidden", "8", "--iters", "3000", "--batch", "20"],
      {
        cwd: path.resolve(import.meta.dirname, "../../../examples"),
        env: { ...process.env, TRAINQL_API: `http://127.0.0.1:${port}/graphql` },
      },
    );
    let out = "";
    client.stdout?.on("data", (d) => {
      out += d;
    });
    client.stderr?.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => client.once("exit", resolve));
    cleanup(() => client.kill("SIGKILL"));
    await waitFor(async () => (out.match(/^epoch /gm) ?? []).length >= 5, 60_000, "5 epochs printed");
    await app.stop();
    await new Promise((r) => setTimeout(r, 1500));
    app = buildApp({ databaseUrl, trainerTimeoutMs: 3000 });
    await app.start(port);
    expect(await exited).toBe(0);
    const epochs = [...out.matchAll(/^epoch (\d+) /gm)].map((m) => Number(m[1]));
    expect(epochs).toEqual([...Array(150).keys()]); // 3000 / 20 epochs, each once, in order
    expect(out).toContain("connection lost; reconnecting");
    expect(out).toMatch(/status: SUCCEEDED\s*$/);
  });
});
