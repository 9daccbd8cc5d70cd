// All data access goes through Prisma 7's client on the pg driver adapter (no engine download).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient, type Run as RunWithImage } from "./generated/prisma/client.ts";

// The weights image (a PNG of ~100–400 kB a run) is read only by the image endpoint, which asks for it:
// every other read of runs leaves it out, or a list of 50 runs would move megabytes.
const OMIT = { run: { weightsPng: true } } as const;

export type Db = PrismaClient<never, typeof OMIT>;

/** A statement the client sent, as PostgreSQL got it: SQL with $n placeholders, and their values. */
export interface SentQuery {
  sql: string;
  params: unknown[];
}

export interface DbOptions {
  /** Told of every statement sent (tests EXPLAIN what the API really runs); costs nothing when unset. */
  onQuery?: (query: SentQuery) => void;
}

const CONNECTION_WAIT_MS = 10_000;
/**
 * Prisma's transactions wait for a connection as long as the pool lets anything wait: with its
 * default of 2 s, 300 concurrent mutations on the API's 10 connections (a script cancelling its
 * runs at once), on a machine busy with other work (load 9), failed 280 of theirs while the pool
 * was merely busy. (On an idle machine they all pass either way, in ~3 s.)
 */
const TRANSACTIONS = { maxWait: CONNECTION_WAIT_MS };

/** The pg pool under each client, for sqlTransaction. */
const pools = new WeakMap<Db, pg.Pool>();

export function createDb(databaseUrl: string, poolSize = 5, { onQuery }: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    // A connection that cannot be had in 10 s fails, as Prisma's transactions do (TRANSACTIONS), and
    // is retried as an outage: without the limit, a stalled server held sqlTransaction's callers.
    connectionTimeoutMillis: CONNECTION_WAIT_MS,
    // Prisma reads and writes TIMESTAMP columns as UTC, so now() and CURRENT_TIMESTAMP must be UTC
    // too: in a server's own time zone (Debian's default is the machine's), a trainer's heartbeats
    // were hours off the reaper's clock, and every live run looked dead (or none ever did).
    options: "-c TimeZone=UTC",
  });
  // An idle connection dropped by the server (a restart, say) is emitted as an 'error' event, which
  // would crash the process unheard. The pool replaces it; queries in flight fail and are retried.
  pool.on("error", () => {});
  const adapter = new PrismaPg(pool);
  let db: Db;
  if (onQuery) {
    const logged = new PrismaClient({
      adapter,
      omit: OMIT,
      transactionOptions: TRANSACTIONS,
      log: [{ emit: "event", level: "query" }],
    });
    logged.$on("query", (event) => onQuery({ sql: event.query, params: JSON.parse(event.params) as unknown[] }));
    db = logged as unknown as Db;
  } else db = new PrismaClient({ adapter, omit: OMIT, transactionOptions: TRANSACTIONS }) as Db;
  pools.set(db, pool);
  return db;
}

/**
 * What writing raw SQL needs of a transaction. Prisma's transaction client has it, and so has
 * sqlTransaction's, so a write made of raw statements runs in either.
 */
export interface SqlTx {
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

/**
 * A transaction of raw statements on the pg driver itself, beside Prisma's client and on its pool:
 * for the writes of megabytes (checkpoints, weights images). Prisma's client hands each byte
 * parameter to its query compiler as base64 inside JSON and decodes it again: a trainer spent
 * 35–45 ms of its training thread on each 1.6 MB checkpoint that way (H = 128, every epoch), pg
 * sends the bytes as they are. A transaction still open after `timeoutMs` is ended; retrying is
 * the caller's (withRetry), as for Prisma's transactions.
 */
export async function sqlTransaction<T>(db: Db, work: (tx: SqlTx) => Promise<T>, timeoutMs: number): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error("sqlTransaction needs a client made by createDb");
  const client = await pool.connect();
  // A connection the server ends between two statements (a restart) emits 'error' with no query to
  // fail: unheard, that crashed the process. The next statement fails instead, and is retried.
  const ignore = () => {};
  client.on("error", ignore);
  let released = false;
  // Released with an error, the connection is closed rather than reused: that rolls back what it
  // began, even on a stalled server, and fails the statement in flight as a lost connection.
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    // (A closed connection keeps the listener: its socket may still report the end.)
    if (!error) client.removeListener("error", ignore);
    client.release(error);
  };
  const timer = setTimeout(() => release(new Error(`transaction still open after ${timeoutMs} ms`)), timeoutMs);
  try {
    await client.query("BEGIN");
    const result = await work({
      async $executeRaw(query, ...values) {
        const sql = "raw" in query ? Prisma.sql(query, ...(values as Prisma.Sql["values"])) : query;
        // A Date as UTC, as Prisma writes it: pg would send the process's local time and offset,
        // and a TIMESTAMP column drops the offset.
        const params = sql.values.map((value) => (value instanceof Date ? value.toISOString() : value));
        return (await client.query(sql.text, params)).rowCount ?? 0;
      },
    });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    clearTimeout(timer);
    release();
  }
}

export * from "./generated/prisma/client.ts";
/** A run as read everywhere but the image endpoint: without its weights image (this shadows Prisma's). */
export type Run = Omit<RunWithImage, "weightsPng">;
