// All data access goes through Prisma 7's client on the pg driver adapter (no engine download).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Run as RunWithImage } from "./generated/prisma/client.ts";

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

export function createDb(databaseUrl: string, poolSize = 5, { onQuery }: DbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection dropped by the server (a restart, say) is emitted as an 'error' event, which
  // would crash the process unheard. The pool replaces it; queries in flight fail and are retried.
  pool.on("error", () => {});
  const adapter = new PrismaPg(pool);
  if (!onQuery) return new PrismaClient({ adapter, omit: OMIT }) as Db;
  const db = new PrismaClient({ adapter, omit: OMIT, log: [{ emit: "event", level: "query" }] });
  db.$on("query", (event) => onQuery({ sql: event.query, params: JSON.parse(event.params) as unknown[] }));
  return db as unknown as Db;
}

export * from "./generated/prisma/client.ts";
/** A run as read everywhere but the image endpoint: without its weights image (this shadows Prisma's). */
export type Run = Omit<RunWithImage, "weightsPng">;
