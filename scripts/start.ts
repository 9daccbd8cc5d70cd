// `pnpm start`: the whole system on one machine — PostgreSQL (embedded unless DATABASE_URL is set),
// the GraphQL API, one trainer, and the dashboard — each a process of its own, kept up the way a
// process supervisor would: one that dies is started again after a backoff (1 s, doubling to 30 s),
// with the reason logged, and only one that keeps dying right after its start makes us give up,
// loudly, and stop everything. The others go on meanwhile: a crashed API does not stop training.
// `--no-dashboard` leaves the dashboard out (scripts, fault tests).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createEnv } from "@t3-oss/env-core";
import { type Database, databaseProblem, openDatabase } from "@trainql/db/database";
import { databaseVariables } from "@trainql/db/env";
import { DEFAULT_PORTS, intVariable, rejectEnv } from "@trainql/env";
import { dataVariables } from "@trainql/nn/cliEnv";
import { hasCifar10, resolveDataDir } from "@trainql/nn/data";
import { z } from "zod";

const root = path.resolve(import.meta.dirname, "..");
const env = createEnv({
  server: {
    ...databaseVariables,
    /** The API's port, for the dashboard to call. */
    PORT: intVariable(DEFAULT_PORTS.api, 0),
    /** The CIFAR-10 folder (else the default cache, downloaded on the first start), and its batches' size. */
    ...dataVariables,
    /** Where the first start downloads CIFAR-10 from (a mirror, say). */
    CIFAR10_URL: z.url().optional(),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  onValidationError: rejectEnv(process.env),
});
const withDashboard = !process.argv.includes("--no-dashboard");

/** A start this short before the crash counts as failing to start; five in a row and we give up. */
const FAST_CRASH_MS = 10_000;
const MAX_FAST_CRASHES = 5;
const backoffMs = (crashes: number) => Math.min(30_000, 1000 * 2 ** Math.max(0, crashes - 1));

let stopping = false;
/** The services up now, by name. */
const running = new Map<string, { stop(): Promise<void> }>();

/**
 * Keeps one service up: `launch` starts it and resolves with a way to stop it and a promise of its
 * exit (with why). An exit we did not ask for is a crash.
 */
function supervise(name: string, launch: () => Promise<{ stop(): Promise<void>; exited: Promise<string> }>) {
  let fastCrashes = 0;
  const loop = async () => {
    while (!stopping) {
      const startedAt = Date.now();
      let why: string;
      try {
        const service = await launch();
        running.set(name, service);
        why = await service.exited;
        running.delete(name);
      } catch (error) {
        why = (error as Error).message;
      }
      if (stopping) return;
      fastCrashes = Date.now() - startedAt < FAST_CRASH_MS ? fastCrashes + 1 : 1;
      if (fastCrashes >= MAX_FAST_CRASHES) {
        console.error(
          `[${name}] GIVING UP: it died ${fastCrashes} times in a row within ${FAST_CRASH_MS / 1000} s of starting (last: ${why}); stopping everything`,
        );
        return void stop(1);
      }
      const wait = backoffMs(fastCrashes);
      console.error(`[${name}] exited unexpectedly (${why}); restarting in ${wait / 1000} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  };
  void loop();
}

function nodeProcess(name: string, cwd: string, args: string[], extraEnv: Record<string, string>) {
  return async () => {
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: path.join(root, cwd),
      env: { ...process.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Listened for at once: a child killed by a signal has exitCode null after it exited, so
    // asking later whether it is still running cannot be told from its fields.
    const exited = new Promise<string>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)),
    );
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((line) => `[${name}] ${line}\n`)
        .join("");
    child.stdout?.on("data", (d: Buffer) => process.stdout.write(prefix(d)));
    child.stderr?.on("data", (d: Buffer) => process.stderr.write(prefix(d)));
    return {
      exited,
      async stop() {
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(force);
      },
    };
  };
}

// The data first: a first start downloads CIFAR-10 (with a progress bar, md5-checked) into the
// default cache; offline, the system starts anyway and says where to put the files (here, in the
// trainer's log, and on the dashboard's New run page).
const dataDir = resolveDataDir(env.CIFAR10_DIR);
if (!hasCifar10(dataDir, env.CIFAR10_RECORDS_PER_BATCH)) {
  console.log(`No CIFAR-10 in ${dataDir}: downloading it (about 170 MB; CIFAR10_DIR=… uses a copy you have).`);
  const download = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/downloadCifar.ts",
      "--data-dir",
      dataDir,
      ...(env.CIFAR10_URL ? ["--url", env.CIFAR10_URL] : []),
    ],
    { cwd: path.join(root, "packages/nn"), stdio: "inherit" },
  );
  if (download.status !== 0)
    console.warn("Starting without the data: runs fail until the files are there (see above); then restart.");
}

// PostgreSQL next (migrated), supervised like the rest when it is ours to run.
let database: Database;
try {
  database = await openDatabase(env);
} catch (error) {
  const why = env.DATABASE_URL ? databaseProblem(error, env.DATABASE_URL) : (error as Error).message;
  console.error(`Could not open the database: ${why}`);
  process.exit(1);
}
const childEnv = {
  DATABASE_URL: database.url,
  // Children run in their own folders: a resolved path means the same folder to all of them.
  CIFAR10_DIR: dataDir,
};
let first = true;
supervise("postgres", async () => {
  if (!first) database = await openDatabase(env);
  first = false;
  return { stop: () => database.stop(), exited: database.exited };
});

supervise(
  "api",
  nodeProcess("api", "apps/server", ["--import", "tsx", path.join(root, "apps/server/src/main.ts")], childEnv),
);
supervise(
  "trainer",
  nodeProcess("trainer", "apps/trainer", ["--import", "tsx", path.join(root, "apps/trainer/src/main.ts")], childEnv),
);
const dashboard = path.join(root, "apps/dashboard");
if (withDashboard && existsSync(path.join(dashboard, "package.json"))) {
  supervise(
    "dashboard",
    nodeProcess("dashboard", "apps/dashboard", ["scripts/serve.mjs"], {
      ...childEnv,
      TRAINQL_API_PORT: String(env.PORT),
    }),
  );
}

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  // The database last: the others write to it while they stop.
  await Promise.all([...running].filter(([name]) => name !== "postgres").map(([, s]) => s.stop()));
  await database.stop();
  process.exit(code);
}
// `on`, not `once`: a second Ctrl-C (or pnpm relaying the signal) must not kill us mid-shutdown.
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
