// pnpm bench:api — one run training while 500 graphql-ws subscribers follow it and a client sends
// 200 `runs` queries a second. Prints events delivered / expected, the latency from an epoch being
// written to its event arriving (p50/p99), and the query latency (p50/p99). Loopback only; bounded
// in count and time. API and trainer are processes of their own, as in production.

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "@trainql/db/database";
import { readDatabaseEnv } from "@trainql/db/env";
import { graphql, type ResultOf, type TadaDocumentNode, type VariablesOf } from "@trainql/graphql";
import { writeSyntheticCifar10 } from "@trainql/nn/testing";
import { TRAINER_MAIN } from "@trainql/trainer/entry";
import { print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import pg from "pg";
import WebSocket from "ws";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    subscribers: { type: "string", default: "500" },
    qps: { type: "string", default: "200" },
    iters: { type: "string", default: "12000" },
    "max-seconds": { type: "string", default: "180" },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const QPS = Number(values.qps);
const MAX_MS = Number(values["max-seconds"]) * 1000;
const serverRoot = path.resolve(import.meta.dirname, "..");
const RECORDS = 1000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : Number.NaN;

// A database of its own in whatever PostgreSQL the environment gives (DATABASE_URL, else embedded).
const env = readDatabaseEnv();
const database = await openDatabase(env, () => {});
const name = `trainql_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: database.url });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(database.url);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const dataDir = mkdtempSync(path.join(os.tmpdir(), "trainql-bench-"));
// 4,000 training rows and batch 20: an epoch every 200 iterations, a few a second — busier than
// real CIFAR-10 runs (one every few seconds), still a realistic stream.
await writeSyntheticCifar10(dataDir, { recordsPerBatch: RECORDS });

const port = await freePort();
const api = `http://127.0.0.1:${port}/graphql`;
const children: ChildProcess[] = [];
const start = (script: string) => {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: serverRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      CIFAR10_DIR: dataDir,
      CIFAR10_RECORDS_PER_BATCH: String(RECORDS),
      TRAIN_BACKEND: "wasm",
      START_RUNS_PER_MINUTE: "1000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
};

/** Waits for the API's readiness endpoint (it answers once its database does). */
async function apiReady(): Promise<void> {
  const ready = `http://127.0.0.1:${port}/ready`;
  while (
    !(await fetch(ready).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await new Promise((r) => setTimeout(r, 100));
}

const START_RUN = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id } }`);
const RUN_EVENTS = graphql(`
  subscription RunEvents($id: ID!) {
    runEvents(runId: $id) { __typename ... on RunStatusEvent { status } ... on RunEpochEvent { epoch { epoch recordedAt } } }
  }
`);
const RUNS = graphql(`query Runs { runs(first: 20) { edges { node { id status progress bestValAcc } } } }`);
const RUN = graphql(`query RunEpochs($id: ID!) { run(id: $id) { status epochs { epoch } } }`);

async function gql<T, V>(query: TadaDocumentNode<T, V>, variables?: V): Promise<T> {
  const res = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: print(query), variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

try {
  start("src/main.ts");
  await apiReady();
  const { startRun } = await gql(START_RUN, {
    input: { hiddenSize: 16, numIters: Number(values.iters), batchSize: 20, learningRate: 0.05, reg: 1e-3 },
  });

  // Subscribers, each on its own connection, all listening before training starts.
  console.log(`connecting ${SUBSCRIBERS} subscribers…`);
  const received: Map<number, number>[] = [];
  const latencies: number[] = [];
  const clients: Client[] = [];
  let ready = 0;
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const seen = new Map<number, number>();
      received.push(seen);
      const client = createClient({ url: api.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      client.subscribe<ResultOf<typeof RUN_EVENTS>>(
        { query: print(RUN_EVENTS), variables: { id: startRun.id } satisfies VariablesOf<typeof RUN_EVENTS> },
        {
          next: ({ data }) => {
            const e = data?.runEvents;
            if (e?.__typename === "RunStatusEvent" && e.status === "QUEUED" && ++ready === SUBSCRIBERS)
              start(TRAINER_MAIN);
            if (e?.__typename === "RunEpochEvent") {
              seen.set(e.epoch.epoch, (seen.get(e.epoch.epoch) ?? 0) + 1);
              latencies.push(Date.now() - Date.parse(e.epoch.recordedAt));
            }
            if (e?.__typename === "RunStatusEvent" && (e.status === "SUCCEEDED" || e.status === "FAILED")) {
              if (++done === SUBSCRIBERS) resolve();
            }
          },
          error: (error) => console.error("subscriber error:", error),
          complete: () => {},
        },
      );
    }
  });

  // The query load: QPS `runs` queries a second, concurrently, until the run ends.
  const queryLatencies: number[] = [];
  let queryErrors = 0;
  let stop = false;
  const queries = (async () => {
    const interval = 1000 / QPS;
    const inFlight = new Set<Promise<void>>();
    for (let next = performance.now(); !stop; next += interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t = performance.now();
      const p = gql(RUNS)
        .then(() => void queryLatencies.push(performance.now() - t))
        .catch((error: unknown) => {
          if (queryErrors++ === 0) console.error(`first query error: ${(error as Error).message}`);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  })();

  const started = performance.now();
  const timedOut = await Promise.race([
    finished.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), MAX_MS)),
  ]);
  stop = true;
  await queries;
  const seconds = (performance.now() - started) / 1000;
  const { run } = await gql(RUN, { id: startRun.id });
  const expected = run.epochs.length * SUBSCRIBERS;
  const delivered = received.reduce((n, seen) => n + seen.size, 0);
  const duplicates = received.reduce((n, seen) => n + [...seen.values()].filter((c) => c > 1).length, 0);
  for (const c of clients) await c.dispose();

  console.log(
    `\nAPI load: 1 run (${run.status}${timedOut ? ", stopped at the time limit" : ""}), ${SUBSCRIBERS} graphql-ws subscribers, ${QPS} runs queries/s, ${seconds.toFixed(1)} s`,
  );
  console.log("| measure | value |");
  console.log("| --- | ---: |");
  console.log(
    `| epoch events delivered / expected | ${delivered} / ${expected} (${((100 * delivered) / expected).toFixed(2)}%) |`,
  );
  console.log(`| duplicate epoch events | ${duplicates} |`);
  console.log(
    `| epoch written → event received, p50 / p99 | ${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} ms |`,
  );
  console.log(
    `| runs query, p50 / p99 (${queryLatencies.length} queries, ${queryErrors} errors) | ${pct(queryLatencies, 50).toFixed(1)} / ${pct(queryLatencies, 99).toFixed(1)} ms |`,
  );
  console.log(`| queries/s achieved | ${(queryLatencies.length / seconds).toFixed(0)} |`);
  if (delivered !== expected || duplicates > 0) process.exitCode = 1;
} finally {
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
