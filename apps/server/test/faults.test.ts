// Faults with real processes: PostgreSQL restarting, killed or frozen under a training run, a trainer
// stopped with SIGTERM, the API restarting under a live subscriber (the example client), and
// `pnpm start` keeping the system up through kill -9 of each of its processes.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Database, spawnEmbeddedPostgres } from "@trainql/db/database";
import { prepareDatabase } from "@trainql/db/migrate";
import { graphql } from "@trainql/graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "../src/app.ts";
import {
  cleanup,
  collect,
  freshDatabase,
  gqlOk,
  startApi,
  startTrainer,
  type TestServer,
  TIMEOUT_MS,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

const START = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id } }`);
const RUN = graphql(`
  query RunState($id: ID!) {
    run(id: $id) { status iteration error epochs { epoch iteration } lossHistory(maxPoints: 100000) { iteration } hasCheckpoint }
  }
`);
const runState = async (url: string, id: string) => (await gqlOk(url, RUN, { id })).run;

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
    await prepareDatabase(pg.url);
    await new (await import("pg")).default.Client({ connectionString: pg.url }).connect().then(async (c) => {
      await c.query(`TRUNCATE "Run", "Trainer", "Sweep" CASCADE; DELETE FROM graphile_worker._private_jobs`);
      await c.end();
    });
    api = await startApi(pg.url);
  });

  /** Every process of our PostgreSQL: the postmaster (first line of postmaster.pid) and its children. */
  const postgresPids = () => {
    const postmaster = Number(readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = execFileSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" })
      .trim()
      .split("\n");
    return [postmaster, ...children.filter(Boolean).map(Number)];
  };

  /** A run through `fault`, then: SUCCEEDED, each of its 200 epochs and 4,000 losses stored exactly once. */
  async function survives(fault: () => Promise<void>) {
    const trainer = await startTrainer(pg.url, dataDir, { CHECKPOINT_INTERVAL_S: "0" });
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 8, numIters: 4000, batchSize: 20 },
    });
    await waitFor(async () => (await runState(api.url, startRun.id)).epochs.length >= 3, 60_000, "3 epochs");
    await fault();
    const started = Date.now();
    const run = await waitFor(
      async () => {
        const s = await runState(api.url, startRun.id).catch(() => null);
        return s && !["RUNNING", "QUEUED"].includes(s.status) && s;
      },
      180_000,
      "the run to end",
    );
    expect(run.status).toBe("SUCCEEDED");
    expect(run.epochs.map((e) => e.epoch)).toEqual([...Array(200).keys()]); // 4000 / 20, each once
    expect(run.lossHistory.map((p) => p.iteration)).toEqual([...Array(4000).keys()]);
    await trainer.stop();
    return { trainer, recoveredInMs: Date.now() - started };
  }

  it("restarts (stop, 5 s, start): the trainer retries its writes; the run completes with nothing lost", async () => {
    const { trainer } = await survives(async () => {
      await pg.stop();
      await new Promise((r) => setTimeout(r, 5000)); // longer than the runs' heartbeat timeout
      pg = await spawnEmbeddedPostgres(pgDir, 54333);
    });
    expect(trainer.output()).toMatch(/database unreachable .* retrying run/);
  });

  it("is killed with SIGKILL and started again: the run completes with nothing lost", async () => {
    await survives(async () => {
      process.kill(postgresPids()[0]!, "SIGKILL");
      await pg.stop(); // its wrapper notices and exits; then start it again, as pnpm start's supervisor does
      await waitFor(
        async () => {
          try {
            pg = await spawnEmbeddedPostgres(pgDir, 54333);
            return true;
          } catch {
            return false; // the killed server's backends may take a moment to go
          }
        },
        30_000,
        "PostgreSQL to start again",
      );
    });
  });

  // Frozen, not gone: connections hang rather than fail, and transactions time out (Prisma's P2028).
  it.each([10, 60])(
    "stalls (SIGSTOP of every process) for %i s: the run completes with nothing lost",
    async (seconds) => {
      const { trainer } = await survives(async () => {
        const pids = postgresPids();
        for (const pid of pids) process.kill(pid, "SIGSTOP");
        await new Promise((r) => setTimeout(r, seconds * 1000));
        for (const pid of pids) process.kill(pid, "SIGCONT");
      });
      expect(trainer.output()).not.toMatch(/a write failed for good/);
    },
    300_000,
  );
});

describe("a trainer stopped with SIGTERM", () => {
  it("writes what it did, checkpoints, hands the run back, and another trainer resumes it", async () => {
    const databaseUrl = await freshDatabase();
    const api = await startApi(databaseUrl);
    const first = await startTrainer(databaseUrl, dataDir);
    const { startRun } = await gqlOk(api.url, START, {
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
    await gqlOk(api.url, graphql(`mutation CancelRun($id: ID!) { cancelRun(id: $id) { id } }`), { id: startRun.id });
  });

  it("with a worker idle, does not take back the run it hands back, and exits at once", async () => {
    const databaseUrl = await freshDatabase();
    const api = await startApi(databaseUrl);
    const trainer = await startTrainer(databaseUrl, dataDir, { TRAINER_CONCURRENCY: "2" });
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 },
    });
    await waitFor(async () => (await runState(api.url, startRun.id)).epochs.length >= 2, 60_000, "2 epochs");
    await trainer.stop("SIGTERM");
    // Exited by itself (the harness kills a trainer that takes 15 s), with the run back in the queue.
    expect([trainer.process.exitCode, trainer.process.signalCode]).toEqual([0, null]);
    expect((await runState(api.url, startRun.id)).status).toBe("QUEUED");
    await gqlOk(api.url, graphql(`mutation CancelRun($id: ID!) { cancelRun(id: $id) { id } }`), { id: startRun.id });
  });
});

describe("the API restarts under a live subscriber", () => {
  it("the example client reconnects and prints every epoch once, in order", async () => {
    const databaseUrl = await freshDatabase();
    // Behind a token, which the client sends over HTTP and graphql-ws (TRAINQL_API_TOKEN).
    const options = {
      databaseUrl,
      reapPolicy: { timeoutMs: TIMEOUT_MS },
      access: { tokens: ["example-secret"], publicQueries: true },
    };
    let app: App = buildApp(options);
    const port = await app.start(0);
    cleanup(() => app.stop());
    await startTrainer(databaseUrl, dataDir);
    const client: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "startRun.ts", "--hidden", "8", "--iters", "3000", "--batch", "20"],
      {
        cwd: path.resolve(import.meta.dirname, "../../../examples"),
        env: { ...process.env, TRAINQL_API: `http://127.0.0.1:${port}/graphql`, TRAINQL_API_TOKEN: "example-secret" },
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
    app = buildApp(options);
    await app.start(port);
    expect(await exited).toBe(0);
    const epochs = [...out.matchAll(/^epoch (\d+) /gm)].map((m) => Number(m[1]));
    expect(epochs).toEqual([...Array(150).keys()]); // 3000 / 20 epochs, each once, in order
    expect(out).toContain("connection lost; reconnecting");
    expect(out).toMatch(/status: SUCCEEDED\s*$/);
  });
});

describe("the API's connection for notifications is dropped", () => {
  it("runsChanged tells its subscribers to read the list again (what changed meanwhile was never sent)", async () => {
    const databaseUrl = await freshDatabase();
    const api = await startApi(databaseUrl);
    const pgClient = new (await import("pg")).default.Client({ connectionString: databaseUrl });
    await pgClient.connect();
    cleanup(() => pgClient.end());
    const CHANGES = graphql(`subscription RunsChangedResync { runsChanged { kind runId run { id } } }`);
    const events = collect(wsClient(api.url), CHANGES, {}, (got) => got.some((e) => e.runsChanged.kind === "resync"));
    // (Dropped again until the subscriber hears it: the subscription may not be listening yet.)
    let heard = false;
    const stop = () => {
      heard = true;
    };
    events.then(stop, stop);
    while (!heard) {
      await pgClient.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await events).at(-1)).toEqual({ runsChanged: { kind: "resync", runId: null, run: null } });
  });
});
