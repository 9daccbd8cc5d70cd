// `pnpm start` as a user runs it (scripts/start.ts, embedded PostgreSQL, no dashboard), and kill -9
// of each of its processes in turn, then of all of them at once, each followed by what a user would
// do: nothing, or `pnpm start` again. After each, the run in progress finishes with every epoch and
// every loss stored exactly once.

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { graphql, type ResultOf } from "@trainql/graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./freePort.ts";
import { cleanup, gql, gqlOk, TIMEOUT_MS, TINY_RECORDS, tinyDataset, waitFor } from "./harness.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let apiPort: number;
let pgPort: number;
let url: string;
/** How long the system may take to serve again after a kill (the bound the README states). */
const SERVING_AGAIN_MS = 30_000;

let dataDir: string;
let pgDir: string;

interface System {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(extraEnv: Record<string, string> = {}): System {
  const { DATABASE_URL: _, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", "--no-dashboard"], {
    cwd: root,
    detached: true, // a process group of its own, to kill as a whole
    env: {
      ...env,
      EMBEDDED_PG_DIR: pgDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(apiPort),
      CIFAR10_DIR: dataDir,
      CIFAR10_RECORDS_PER_BATCH: String(TINY_RECORDS),
      TRAIN_BACKEND: "wasm",
      TRAINER_HEARTBEAT_MS: "500",
      TRAINER_TIMEOUT_MS: String(TIMEOUT_MS),
      CHECKPOINT_INTERVAL_S: "0",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanup(() => {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {}
  });
  return { process: child, output: () => out, exited };
}

const serving = (system: System) =>
  waitFor(async () => (await gql(url, "{ __typename }").catch(() => null))?.data, SERVING_AGAIN_MS, "the API").catch(
    (error: Error) => {
      throw new Error(`${error.message}; pnpm start said:\n${system.output()}`);
    },
  );

/** Every process of the group is gone (PostgreSQL's take a moment after their postmaster). */
async function groupGone(system: System) {
  const alive = () => {
    try {
      process.kill(-(system.process.pid as number), 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitFor(async () => !alive(), 10_000, "the group to end").catch(() => {
    const left = spawnSync("ps", ["-o", "pid,args", "-g", String(system.process.pid)], { encoding: "utf8" }).stdout;
    throw new Error(`processes of pnpm start still running after it exited:\n${left}`);
  });
}

/** The pid of the start script's child running `script`. */
const childPid = (system: System, script: string) =>
  Number(execFileSync("pgrep", ["-P", String(system.process.pid), "-f", script], { encoding: "utf8" }).trim());

const postmasterPid = async () => Number((await readFile(path.join(pgDir, "postmaster.pid"), "utf8")).split("\n")[0]);

const RUN = graphql(`
  query RunState($id: ID!) { run(id: $id) { status interruptions epochs { epoch } lossHistory(maxPoints: 100000) { iteration } } }
`);
type RunState = ResultOf<typeof RUN>["run"];
const state = async (id: string) => (await gqlOk(url, RUN, { id })).run;

async function startLongRun(): Promise<string> {
  const { startRun } = await gqlOk(
    url,
    graphql(`mutation StartLongRun { startRun(input: { hiddenSize: 8, numIters: 3000, batchSize: 20 }) { id } }`),
  );
  return startRun.id;
}

/** The run finishes, each of its 150 epochs and 3,000 losses stored exactly once. */
async function finishesWhole(id: string): Promise<RunState> {
  const run = await waitFor(
    async () => {
      const s = await state(id).catch(() => null);
      return s && !["RUNNING", "QUEUED"].includes(s.status) && s;
    },
    180_000,
    "the run to finish",
  );
  expect(run.status).toBe("SUCCEEDED");
  expect(run.epochs.map((e) => e.epoch)).toEqual([...Array(150).keys()]);
  expect(run.lossHistory.map((p) => p.iteration)).toEqual([...Array(3000).keys()]);
  return run;
}

beforeAll(async () => {
  [apiPort, pgPort] = [await freePort(), await freePort()];
  url = `http://127.0.0.1:${apiPort}/graphql`;
  dataDir = await tinyDataset();
  pgDir = await mkdtemp(path.join(os.tmpdir(), "trainql-supervised-pg-"));
  cleanup(() => rm(pgDir, { recursive: true, force: true }));
});

/** Each test restarts processes and waits out backoffs and the reaper's timeout: more than the default. */
const LONG = 240_000;

describe("pnpm start", () => {
  it(
    "restarts a trainer, the API or PostgreSQL killed with SIGKILL; the run in progress finishes whole",
    async () => {
      const system = start();
      await serving(system);
      const id = await startLongRun();
      const epochs = async (n: number) =>
        waitFor(async () => ((await state(id).catch(() => null))?.epochs.length ?? 0) >= n, 60_000, `${n} epochs`);
      await epochs(3);

      process.kill(childPid(system, "trainer/src/main.ts"), "SIGKILL");
      await waitFor(async () => /\[trainer\] exited unexpectedly \(SIGKILL\); restarting/.test(system.output()));
      await epochs(10); // taken back from the dead trainer, resumed by the new one

      process.kill(childPid(system, "server/src/main.ts"), "SIGKILL");
      await waitFor(async () => /\[api\] exited unexpectedly \(SIGKILL\); restarting/.test(system.output()));
      await serving(system);
      await epochs(20); // training never stopped for the API

      process.kill(await postmasterPid(), "SIGKILL");
      await waitFor(async () => /\[postgres\] exited unexpectedly/.test(system.output()));
      await serving(system);
      await finishesWhole(id);

      // A stop right after a child died of a signal (it used to wait forever for that child's exit).
      process.kill(childPid(system, "trainer/src/main.ts"), "SIGKILL");
      await waitFor(async () => /\[trainer\] exited unexpectedly \(SIGKILL\); restarting in/.test(system.output()));
      system.process.kill("SIGTERM");
      expect(await system.exited).toBe(0);
      await groupGone(system); // nothing of it is left
    },
    LONG,
  );

  it(
    "starts without the data when it cannot be downloaded, and says where to put it",
    async () => {
      const empty = await mkdtemp(path.join(os.tmpdir(), "trainql-no-data-"));
      cleanup(() => rm(empty, { recursive: true, force: true }));
      // A download that fails at once, as offline (port 9: nothing listens).
      const system = start({ CIFAR10_DIR: empty, CIFAR10_URL: "http://127.0.0.1:9/cifar-10-binary.tar.gz" });
      await serving(system);
      // The API reports the most recently seen live trainer: until this system's trainer has
      // registered, that is the one the previous test killed, live until its timeout.
      const dataset = await waitFor(async () => {
        const { dataset } = await gqlOk(url, graphql(`query Dataset { dataset { available directory howToGet } }`));
        return dataset?.directory === empty ? dataset : undefined;
      });
      expect(dataset.available).toBe(false);
      expect(dataset.directory).toBe(empty);
      expect(dataset.howToGet).toContain(`put the files of its cifar-10-batches-bin folder in ${empty}`);
      expect(system.output()).toMatch(/No CIFAR-10 in .*: downloading it/);
      expect(system.output()).toMatch(/Could not download http:\/\/127\.0\.0\.1:9\/.*Starting without the data/s);
      system.process.kill("SIGTERM");
      expect(await system.exited).toBe(0);
    },
    LONG,
  );

  it(
    "gives up loudly, and stops everything, when a process keeps dying right after it starts",
    async () => {
      // The API refuses to listen beyond loopback without a token: it exits at once, every time.
      const system = start({ HOST: "0.0.0.0" });
      expect(await system.exited).toBe(1);
      expect(system.output()).toMatch(/\[api\] exited unexpectedly \(code 2\); restarting in 1 s/);
      expect(system.output()).toMatch(
        /\[api\] GIVING UP: it died 5 times in a row within 10 s of starting \(last: code 2\)/,
      );
      await groupGone(system);
    },
    LONG,
  );

  it(
    "comes back with `pnpm start` after the whole group is killed, and resumes the run",
    async () => {
      let system = start();
      await serving(system);
      const id = await startLongRun();
      await waitFor(async () => ((await state(id).catch(() => null))?.epochs.length ?? 0) >= 5, 60_000, "5 epochs");
      process.kill(-(system.process.pid as number), "SIGKILL");
      await system.exited;

      system = start();
      await serving(system);
      // PostgreSQL leads a process group of its own and outlives the kill: it is taken over, not fought.
      expect(system.output()).toMatch(/PostgreSQL \(pid \d+\) is still running in .* taking it over/);
      const run = await finishesWhole(id);
      expect(run.interruptions).toHaveLength(1);
      system.process.kill("SIGTERM");
      expect(await system.exited).toBe(0);
    },
    LONG,
  );
});
