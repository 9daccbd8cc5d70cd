// pnpm bench:api — one run training for about a minute while 2,000 graphql-ws subscribers follow it
// and a client sends 200 `runs` queries a second (issue 15's goal). Prints events delivered /
// expected, the latency from an epoch being written to its event arriving (p50/p99), the epochs
// trained and events delivered per second, the query latency (p50/p99), and the API process' CPU
// and peak memory. Loopback only; bounded in count and time. API, trainer, subscribers and query
// client are four processes, so the clients do not steal the API's event loop (on a 2-core machine
// they still share its cores).

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@trainql/db/database";
import { readDatabaseEnv } from "@trainql/db/env";
import { graphql, type TadaDocumentNode } from "@trainql/graphql";
import { countFlag, scriptFlags } from "@trainql/nn";
import { writeSyntheticCifar10 } from "@trainql/nn/testing";
import { TRAINER_MAIN } from "@trainql/trainer/entry";
import { print } from "graphql";
import pg from "pg";
import { freePort } from "../test/freePort.ts";
import type { QueryReport, SubscriberReport } from "./loadClients.ts";

const USAGE = `Usage: pnpm bench:api -- [options]

One run training while graphql-ws subscribers follow it and a client sends runs queries; prints
events delivered, their latency, query latency, and the API process' CPU and memory.

  --subscribers N      graphql-ws subscribers (default 2000)
  --qps N              runs queries a second (default 200)
  --epochs N           epochs the run trains (default 90)
  --max-seconds N      stop after this long (default 180)
  --profile DIR        write the API process' V8 CPU profile (.cpuprofile) into DIR
  -h, --help           show this help`;

const OPTIONS = {
  subscribers: { type: "string", default: "2000" },
  qps: { type: "string", default: "200" },
  epochs: { type: "string", default: "90" },
  "max-seconds": { type: "string", default: "180" },
  /** Writes the API process' V8 CPU profile (.cpuprofile, for Chrome's DevTools) into this folder. */
  profile: { type: "string" },
} as const;
const { values, SUBSCRIBERS, QPS, EPOCHS, MAX_MS } = scriptFlags(OPTIONS, USAGE, (values) => {
  return {
    values,
    SUBSCRIBERS: countFlag("subscribers", values.subscribers),
    QPS: countFlag("qps", values.qps),
    EPOCHS: countFlag("epochs", values.epochs),
    MAX_MS: countFlag("max-seconds", values["max-seconds"]) * 1000,
  };
});
const serverRoot = path.resolve(import.meta.dirname, "..");
// CIFAR-10's own size: 40,000 training rows, so batch 20 makes an epoch every 2,000 iterations. At
// H = 16 the trainer gives about 1.4 epochs a second here, with the API and clients busy: more than
// a real run sends (the reference's configuration on the H200 target, 3,000 iterations of 49 an
// epoch in 60 s, is about one a second), and 90 epochs last a little over the goal's minute.
const RECORDS = 10_000;
const BATCH = 20;

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
await writeSyntheticCifar10(dataDir, { recordsPerBatch: RECORDS });

const port = await freePort();
const api = `http://127.0.0.1:${port}/graphql`;
const children: ChildProcess[] = [];
const start = (script: string, profile?: string) => {
  const profiling = profile ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(profile)] : [];
  const child = spawn(process.execPath, [...profiling, "--import", "tsx", script], {
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

/** A load process (bench/loadClients.ts) and the next message of a type it sends. */
function loadProcess(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/loadClients.ts", ...args], {
    cwd: serverRoot,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  child.on("error", (error) => console.error(`load process ${args[0]}: ${error.message}`));
  const next = <T>(type: string) => {
    const message = new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off("message", onMessage);
        resolve(m as T);
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) =>
        reject(new Error(`load process ${args[0]} exited (${code ?? signal}) before "${type}"`)),
      );
    });
    // Awaited later, or never once something else failed: that failure is the one to report.
    message.catch(() => {});
    return message;
  };
  return { child, next };
}

/** The API process' CPU time (user + system, ms) and resident memory (MiB), from /proc (Linux). */
function usage(pid: number): { cpuMs: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuMs: ticks * 10, rssMiB: Number(rss?.[1] ?? 0) / 1024 };
}

/** The machine's busy and total CPU time (ms, all cores), from /proc/stat's first line. */
function machineCpu(): { busyMs: number; totalMs: number } {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const t = ticks.map(Number);
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest time is inside user)
  return { busyMs: (total - t[3]! - t[4]!) * 10, totalMs: total * 10 }; // idle and iowait are not busy
}

try {
  start("src/main.ts", values.profile);
  const apiPid = children[0]!.pid!;
  await apiReady();
  const { startRun } = await gql(START_RUN, {
    input: {
      hiddenSize: 16,
      numIters: (EPOCHS * 4 * RECORDS) / BATCH,
      batchSize: BATCH,
      learningRate: 0.05,
      reg: 1e-3,
    },
  });

  // Subscribers, in a process of their own, all listening before training starts.
  console.log(`connecting ${SUBSCRIBERS} subscribers…`);
  const subscribers = loadProcess(["subscribers", "--api", api, "--run", startRun.id, "--count", String(SUBSCRIBERS)]);
  const subscribersDone = subscribers.next<SubscriberReport>("done");
  await subscribers.next("ready");
  const queries = loadProcess(["queries", "--api", api, "--qps", String(QPS)]);
  const queriesDone = queries.next<QueryReport>("done");
  start(TRAINER_MAIN);
  const trainerPid = children.at(-1)!.pid!;
  const loadPids = { trainer: trainerPid, subscribers: subscribers.child.pid!, queries: queries.child.pid! };

  // The API's CPU and memory, sampled each second while training runs.
  const usageAtStart = usage(apiPid);
  const othersAtStart = Object.values(loadPids).map((pid) => usage(pid).cpuMs);
  const machineAtStart = machineCpu();
  const started = performance.now();
  let peakRssMiB = usageAtStart.rssMiB;
  const sampler = setInterval(() => {
    peakRssMiB = Math.max(peakRssMiB, usage(apiPid).rssMiB);
  }, 1000);
  const timedOut = await Promise.race([
    subscribersDone.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), MAX_MS)),
  ]);
  clearInterval(sampler);
  const usageAtEnd = usage(apiPid);
  const othersAtEnd = Object.values(loadPids).map((pid) => usage(pid).cpuMs);
  const machineAtEnd = machineCpu();
  const seconds = (performance.now() - started) / 1000;
  // A process that already ended by itself may have closed its channel: nothing to stop then.
  for (const { child } of [subscribers, queries]) if (child.connected) child.send({ type: "stop" }, () => {});
  const sub = await subscribersDone;
  const query = await queriesDone;
  const { run } = await gql(RUN, { id: startRun.id });
  const expected = run.epochs.length * SUBSCRIBERS;
  const { delivered, duplicates } = sub;
  const eventSeconds = Math.max(0.001, (sub.lastEventAt - sub.firstEventAt) / 1000);

  console.log(
    `\nAPI load: 1 run (${run.status}${timedOut ? ", stopped at the time limit" : ""}), ${SUBSCRIBERS} graphql-ws subscribers and ${QPS} runs queries/s in separate processes, ${seconds.toFixed(1)} s`,
  );
  console.log("| measure | value |");
  console.log("| --- | ---: |");
  console.log(
    `| epoch events delivered / expected | ${delivered} / ${expected} (${((100 * delivered) / expected).toFixed(2)}%) |`,
  );
  console.log(`| duplicate epoch events | ${duplicates} |`);
  console.log(
    `| epoch written → event received, p50 / p99 | ${pct(sub.latencies, 50).toFixed(1)} / ${pct(sub.latencies, 99).toFixed(1)} ms |`,
  );
  console.log(
    `| epochs trained per second (${run.epochs.length} epochs in ${eventSeconds.toFixed(0)} s) | ${(run.epochs.length / eventSeconds).toFixed(2)} |`,
  );
  console.log(`| epoch events delivered per second | ${(delivered / eventSeconds).toFixed(0)} |`);
  console.log(
    `| runs query, p50 / p99 (${query.latencies.length} queries, ${query.errors} errors) | ${pct(query.latencies, 50).toFixed(1)} / ${pct(query.latencies, 99).toFixed(1)} ms |`,
  );
  console.log(`| queries/s achieved | ${(query.latencies.length / seconds).toFixed(0)} |`);
  console.log(
    `| API process CPU (of one core) / peak RSS | ${((100 * (usageAtEnd.cpuMs - usageAtStart.cpuMs)) / (seconds * 1000)).toFixed(0)}% / ${peakRssMiB.toFixed(0)} MiB |`,
  );
  // The machine is shared: what the other processes took says how much of a slow event is the API's.
  const others = Object.keys(loadPids).map(
    (label, i) => `${label} ${((100 * (othersAtEnd[i]! - othersAtStart[i]!)) / (seconds * 1000)).toFixed(0)}%`,
  );
  const busy = (machineAtEnd.busyMs - machineAtStart.busyMs) / (machineAtEnd.totalMs - machineAtStart.totalMs);
  console.log(
    `| other processes' CPU (of one core) / whole machine busy (${os.availableParallelism()} cores) | ${others.join(", ")} / ${(100 * busy).toFixed(0)}% |`,
  );
  // Where the tail comes from: an epoch whose first subscriber was late reached the API late (the
  // trainer's write, PostgreSQL, NOTIFY); one whose last was late was slow to hand out or to read.
  const firsts = sub.epochs.map((e) => e.first);
  const lasts = sub.epochs.map((e) => e.last);
  const slowest = [...sub.epochs].sort((a, b) => b.last - a.last).slice(0, 3);
  console.log(
    `\nFirst / last of the ${SUBSCRIBERS} subscribers to receive an epoch: median ${pct(firsts, 50)} / ${pct(lasts, 50)} ms; ` +
      `slowest epochs ${slowest.map((e) => `${e.epoch}: ${e.first} / ${e.last} ms`).join(", ")}`,
  );
  if (delivered !== expected || duplicates > 0) process.exitCode = 1;
} finally {
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
