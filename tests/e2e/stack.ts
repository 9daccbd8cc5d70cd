// The system under test, started by Playwright's webServer: a fresh database, a tiny generated
// CIFAR-10, the API, one trainer and the production dashboard, each a real process. Stops them all
// when Playwright stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@trainql/db/embeddedPostgres";
import { writeSyntheticCifar10 } from "@trainql/nn/testing";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "../..");
const apiPort = process.env.API_PORT ?? "4310";
const dashboardPort = process.env.DASHBOARD_PORT ?? "3310";

// PostgreSQL: the machine's (DATABASE_URL) or an embedded one; a fresh database in it either way.
let stopEmbedded: (() => Promise<void>) | undefined;
let baseUrl = process.env.DATABASE_URL;
if (!baseUrl) {
  // One embedded server per stack (Playwright starts the stacks side by side).
  const embedded = await startEmbeddedPostgres(
    path.join(root, `.data/e2e-postgres-${apiPort}`),
    20_000 + Number(apiPort),
  );
  baseUrl = embedded.url;
  stopEmbedded = embedded.stop;
}
const name = `trainql_e2e_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const url = new URL(baseUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();

const dataDir = mkdtempSync(path.join(os.tmpdir(), "trainql-e2e-cifar-"));
await writeSyntheticCifar10(dataDir, { recordsPerBatch: 100 });

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  CIFAR10_DIR: dataDir,
  CIFAR10_RECORDS_PER_BATCH: "100",
  // Every epoch's weights image and epoch checkpoint (the pages show them; tiny epochs would pace them).
  EPOCH_ARTIFACTS_PERCENT: "100",
  TRAIN_BACKEND: "wasm",
  // A resume checkpoint within seconds (30 s by default), so that a run whose trainer is killed
  // (/replace-trainer) resumes from where it was rather than from iteration 0.
  CHECKPOINT_INTERVAL_S: "5",
  PORT: apiPort,
  TRAINQL_API_PORT: apiPort,
  DASHBOARD_PORT: dashboardPort,
};
const children: ChildProcess[] = [];
function start(cwd: string, args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, {
    cwd: path.join(root, cwd),
    env: { ...env, ...extraEnv },
    stdio: "inherit",
  });
  children.push(child);
  return child;
}
let api = start("apps/server", ["--import", "tsx", "src/main.ts"]);
let trainer = start("apps/trainer", ["--import", "tsx", "src/main.ts"]);
start("apps/dashboard", ["scripts/serve.mjs"]);

async function stopApi() {
  const old = api;
  if (old.exitCode === null) {
    old.kill("SIGTERM");
    await new Promise((r) => old.once("exit", r));
  }
  children.splice(children.indexOf(old), 1);
}

// Test control, on loopback: POST /restart-api stops the API and starts it again (same port);
// /stop-api and /start-api do each half, for pages that must cope with no API at all.
// /pause-trainer and /resume-trainer freeze the trainer and let it go on (SIGSTOP, SIGCONT): a page
// must show what changed while it was away from the API, and while the trainer trains, each of its
// changes would bring the page up to date anyway. Frozen for seconds, not for the heartbeat timeout
// (TRAINER_TIMEOUT_MS, 15 s), or the API takes its run back. /replace-trainer kills the trainer
// (SIGKILL: no goodbye) and starts another on a different device (one BLAS thread, where it had the
// machine's): the API takes its run back after the timeout, and the new trainer resumes it.
const control = createServer(async (req, res) => {
  if (req.method !== "POST") return void res.writeHead(404).end();
  if (req.url === "/replace-trainer") {
    const old = trainer;
    old.kill("SIGKILL");
    await new Promise((r) => (old.exitCode === null && old.signalCode === null ? old.once("exit", r) : r(null)));
    children.splice(children.indexOf(old), 1);
    trainer = start("apps/trainer", ["--import", "tsx", "src/main.ts"], { TRAINQL_BLAS_THREADS: "1" });
    return void res.writeHead(200).end("done");
  }
  if (req.url === "/pause-trainer" || req.url === "/resume-trainer") {
    trainer.kill(req.url === "/pause-trainer" ? "SIGSTOP" : "SIGCONT");
    return void res.writeHead(200).end("done");
  }
  if (req.url === "/restart-api" || req.url === "/stop-api") await stopApi();
  else if (req.url !== "/start-api") return void res.writeHead(404).end();
  if (req.url !== "/stop-api") api = start("apps/server", ["--import", "tsx", "src/main.ts"]);
  res.writeHead(200).end("done");
});
control.listen(Number(process.env.CONTROL_PORT ?? "4311"), "127.0.0.1");

async function stop() {
  control.close();
  // (A frozen trainer would hold its SIGTERM until it is let go.)
  trainer.kill("SIGCONT");
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  const cleanup = new pg.Client({ connectionString: baseUrl });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await cleanup.end();
  await stopEmbedded?.();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
