// The server's and trainer's settings, read from the environment once per process.
import path from "node:path";

export interface Env {
  /** PostgreSQL to use; when unset, an embedded PostgreSQL is started under `embeddedDataDir`. */
  databaseUrl: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  port: number;
  host: string;
  /** CIFAR-10 binary batches (the trainer's); undefined → the nn package's default lookup. */
  cifar10Dir: string | undefined;
  /** Records per batch file: 10,000 for the official data, fewer for generated test sets. */
  cifar10RecordsPerBatch: number | undefined;
  /** Training runs one trainer process runs at once. */
  trainerConcurrency: number;
  /** A run whose trainer renewed it no sooner than this is taken back and re-queued from its checkpoint. */
  trainerTimeoutMs: number;
  heartbeatMs: number;
  /** Attempts a run gets (interrupted ones included) before it fails: RUN_MAX_ATTEMPTS. */
  runMaxAttempts: number;
  /** CHECKPOINT_INTERVAL_S: a checkpoint at the first epoch boundary this long after the last (0: every epoch; default 30). */
  checkpointIntervalMs: number;
  /** API_TOKEN: accepted bearer tokens (comma-separated); none means no authentication. */
  apiTokens: string[];
  /** API_PUBLIC_QUERIES: with tokens set, whether queries still work without one (default true). */
  publicQueries: boolean;
  /** Listening beyond loopback without tokens needs this loudly named opt-out. */
  allowUnauthenticatedNetwork: boolean;
  /** TRAINER_MEMORY_MB: memory one run may use on a trainer (default: by backend, see trainer.ts). */
  trainerMemoryBytes: number | undefined;
  maxQueuedRuns: number;
  startRunsPerMinute: number;
  /** TRAINQL_ALLOWED_ORIGINS: pages allowed to call the API from a browser (default: the dashboard on this machine). */
  allowedOrigins: string[];
}

const repoRoot = path.resolve(import.meta.dirname, "../../..");

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got "${raw}"`);
  return n;
}

/**
 * A checkpoint of H = 512 costs a run ~0.4 s on 2 cores (bench:checkpoints: writing 6.3 MB through
 * PostgreSQL competes with training for the cores); one per 30 s keeps that near 1%, and a killed
 * trainer's run loses at most 30 s and an epoch.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_S = 30;

const list = (raw: string | undefined) =>
  (raw ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedDataDir: path.resolve(env.EMBEDDED_PG_DIR || path.join(repoRoot, ".data", "postgres")),
    embeddedPort: int(env, "EMBEDDED_PG_PORT", 54329),
    port: int(env, "PORT", 4000, 0),
    host: env.HOST || "127.0.0.1",
    cifar10Dir: env.CIFAR10_DIR || undefined,
    cifar10RecordsPerBatch: env.CIFAR10_RECORDS_PER_BATCH ? int(env, "CIFAR10_RECORDS_PER_BATCH", 10_000) : undefined,
    trainerConcurrency: int(env, "TRAINER_CONCURRENCY", 1),
    trainerTimeoutMs: int(env, "TRAINER_TIMEOUT_MS", 15_000),
    heartbeatMs: int(env, "TRAINER_HEARTBEAT_MS", 2_000),
    runMaxAttempts: int(env, "RUN_MAX_ATTEMPTS", 3),
    checkpointIntervalMs: int(env, "CHECKPOINT_INTERVAL_S", DEFAULT_CHECKPOINT_INTERVAL_S, 0) * 1000,
    apiTokens: list(env.API_TOKEN),
    publicQueries: (env.API_PUBLIC_QUERIES ?? "true") !== "false",
    allowUnauthenticatedNetwork: env.TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER === "1",
    trainerMemoryBytes: env.TRAINER_MEMORY_MB ? int(env, "TRAINER_MEMORY_MB", 1) * 2 ** 20 : undefined,
    maxQueuedRuns: int(env, "MAX_QUEUED_RUNS", 1000),
    startRunsPerMinute: int(env, "START_RUNS_PER_MINUTE", 120),
    allowedOrigins: list(env.TRAINQL_ALLOWED_ORIGINS).length
      ? list(env.TRAINQL_ALLOWED_ORIGINS)
      : ["localhost", "127.0.0.1"].map((host) => `http://${host}:${env.DASHBOARD_PORT || 3000}`),
  };
}
