// All data access goes through Prisma 7's client on the pg driver adapter (no engine download).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;

export function createDb(databaseUrl: string, poolSize = 5): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection dropped by the server (a restart, say) is emitted as an 'error' event, which
  // would crash the process unheard. The pool replaces it; queries in flight fail and are retried.
  pool.on("error", () => {});
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

export * from "../generated/prisma/client.ts";
