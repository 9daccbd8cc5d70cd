// What the server tests stand on: a fresh real database per file, the API on an ephemeral port,
// trainer processes (real child processes), a tiny generated CIFAR-10, and GraphQL clients over
// HTTP and WebSocket.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createTestDatabase } from "@trainql/db/testing";
import { graphql, type ResultOf, type TadaDocumentNode } from "@trainql/graphql";
import { writeSyntheticCifar10 } from "@trainql/nn/testing";
import { isFinished } from "@trainql/runs/runStatus";
import { TRAINER_MAIN } from "@trainql/trainer/entry";
import { print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import pg from "pg";
import { afterAll, inject } from "vitest";
import WebSocket from "ws";
import { type App, type AppOptions, buildApp } from "../src/app.ts";

const serverRoot = path.resolve(import.meta.dirname, "..");

// Cleanups run when the test file ends, in reverse order. (Hooks registered inside a running test
// would never run; helpers here are called from tests and from beforeAll alike.)
const cleanups: (() => unknown)[] = [];
export const cleanup = (fn: () => unknown) => void cleanups.push(fn);
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** A new, empty database on the test PostgreSQL; dropped after the file. */
export async function freshDatabase({ migrated = true } = {}): Promise<string> {
  const database = await createTestDatabase(inject("databaseUrl"), { migrated });
  cleanup(() => database.drop());
  return database.url;
}

/** Rows in a table, read directly (the tests check what was written, not what the API says). */
export async function countRows(databaseUrl: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${table}"`);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

export const TINY_RECORDS = 100; // 400 train / 100 val / 100 test rows

/** A synthetic CIFAR-10 (4 × recordsPerBatch train rows); a trainer reads it with CIFAR10_RECORDS_PER_BATCH. */
export async function tinyDataset(recordsPerBatch = TINY_RECORDS): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "trainql-server-cifar-"));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return writeSyntheticCifar10(dir, { recordsPerBatch });
}

/** How long a run may go without its trainer's heartbeat in tests (15 s in production). */
export const TIMEOUT_MS = 4000;

export interface TestServer {
  url: string;
  app: App;
  port: number;
}

export async function startApi(
  databaseUrl: string,
  options: Omit<AppOptions, "databaseUrl"> = {},
): Promise<TestServer> {
  const app = buildApp({ databaseUrl, ...options, reapPolicy: { timeoutMs: TIMEOUT_MS, ...options.reapPolicy } });
  const actual = await app.start(0);
  cleanup(() => app.stop());
  return { url: `http://127.0.0.1:${actual}/graphql`, app, port: actual };
}

export interface TrainerProcess {
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A trainer as a separate process, as in production; resolves once it takes jobs. */
export async function startTrainer(
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
  /** Modules the process imports before the trainer (faults a test injects, see fixtures/). */
  { imports = [] }: { imports?: string[] } = {},
): Promise<TrainerProcess> {
  // node itself, with tsx as a loader: the tsx CLI would run the trainer as its own child process,
  // which a SIGKILL of the wrapper leaves alive.
  const preloads = imports.flatMap((module) => ["--import", module]);
  const child = spawn(process.execPath, ["--import", "tsx", ...preloads, TRAINER_MAIN], {
    cwd: serverRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CIFAR10_DIR: dataDir,
      CIFAR10_RECORDS_PER_BATCH: String(TINY_RECORDS),
      TRAIN_BACKEND: "wasm",
      TRAINER_HEARTBEAT_MS: "500",
      TRAINER_TIMEOUT_MS: String(TIMEOUT_MS),
      // Every epoch's weights image and epoch checkpoint: tests look at them, and a tiny data set's
      // epochs are too short for the default pace to take many (epochHistory.test.ts tests the pace).
      EPOCH_ARTIFACTS_PERCENT: "100",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Ready when it has registered: a trainer writes its row once it takes jobs.
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    while (!(await db.query(`SELECT 1 FROM "Trainer" WHERE pid = $1`, [child.pid])).rowCount) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`trainer exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await db.end();
  }
  const trainer: TrainerProcess = {
    process: child,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A graceful stop that hangs must not leave a trainer behind the test run.
      const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
  cleanup(() => trainer.stop("SIGKILL"));
  return trainer;
}

export interface GqlResult<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * A document for the tests' clients: graphql() from @trainql/graphql, whose result and variable types
 * come from the schema; or a plain string, for what the schema cannot type on purpose (malformed
 * queries, fuzzed input, unknown fields), whose result is then untyped.
 */
export type Document<T, V> = TadaDocumentNode<T, V> | string;
const text = <T, V>(query: Document<T, V>) => (typeof query === "string" ? query : print(query));

export async function gql<T = Record<string, unknown>, V = Record<string, unknown>>(
  url: string,
  query: Document<T, V>,
  variables?: V,
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: text(query), variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

/** gql that fails the test on any error. */
export async function gqlOk<T = Record<string, unknown>, V = Record<string, unknown>>(
  url: string,
  query: Document<T, V>,
  variables?: V,
): Promise<T> {
  const result = await gql<T, V>(url, query, variables);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  const client = createClient({
    url: httpUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
  });
  cleanup(() => client.dispose());
  return client;
}

/** Collects a subscription's events until `until` says stop (or the timeout passes). */
export function collect<T, V = Record<string, unknown>>(
  client: Client,
  query: Document<T, V>,
  variables: V,
  until: (events: T[]) => boolean,
  timeoutMs = 60_000,
): Promise<T[]> {
  const events: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`subscription timed out after ${events.length} events: ${JSON.stringify(events.slice(-3))}`));
    }, timeoutMs);
    const dispose = client.subscribe<T>(
      { query: text(query), variables: variables as Record<string, unknown> },
      {
        next: (value) => {
          if (value.errors) {
            clearTimeout(timer);
            dispose();
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          events.push(value.data as T);
          if (until(events)) {
            clearTimeout(timer);
            dispose();
            resolve(events);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(events);
        },
      },
    );
  });
}

export const RUN_EVENTS = graphql(`
  subscription RunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename
      cursor
      ... on RunStatusEvent { status run { iteration error } }
      ... on RunEpochEvent { epoch { epoch iteration loss trainAcc valAcc learningRate elapsedMs } }
      ... on RunLossesEvent { fromIteration toIteration points { iteration loss } }
      ... on RunWeightsEvent { atEpoch url }
      ... on RunTestEvent { testAcc }
    }
  }
`);

export type RunEventData = ResultOf<typeof RUN_EVENTS>;
type RunEvent = RunEventData["runEvents"];

/** The event if it is of that kind, else undefined (for the tests that read one kind's fields). */
export const eventOf = <K extends RunEvent["__typename"]>(e: RunEventData | undefined, kind: K) =>
  e?.runEvents.__typename === kind ? (e.runEvents as Extract<RunEvent, { __typename: K }>) : undefined;

export const isTerminal = (e: RunEventData) =>
  e.runEvents.__typename === "RunStatusEvent" && isFinished(e.runEvents.status);

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  what = "condition",
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
