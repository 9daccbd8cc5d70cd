// All data access goes through Prisma 7's client on the pg driver adapter (no engine download).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;

export function createDb(databaseUrl: string, poolSize = 5): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}

export * from "../generated/prisma/client.ts";
