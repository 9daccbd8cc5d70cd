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
  /** A trainer silent for this long is presumed dead, and its runs are marked FAILED. */
  trainerTimeoutMs: number;
  heartbeatMs: number;
}

const repoRoot = path.resolve(import.meta.dirname, "../../..");

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got "${raw}"`);
  return n;
}

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
  };
}
