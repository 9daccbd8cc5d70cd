// Which PostgreSQL to use: DATABASE_URL when set; else the embedded one, started here if no other
// process of ours has started it already. Either way the schema is migrated before use.
import pg from "pg";
import type { Env } from "../env.ts";
import { prepareQueue } from "../queue/runQueue.ts";
import { startEmbeddedPostgres } from "./embeddedPostgres.ts";
import { migrate } from "./migrate.ts";

export interface Database {
  url: string;
  /** Stops the embedded server if this process started it. */
  stop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openDatabase(env: Env, log: (line: string) => void = console.log): Promise<Database> {
  let database: Database;
  if (env.databaseUrl) {
    database = { url: env.databaseUrl, stop: async () => {} };
  } else {
    const url = `postgresql://postgres:postgres@127.0.0.1:${env.embeddedPort}/postgres`;
    if (await reachable(url)) database = { url, stop: async () => {} };
    else {
      log(
        `DATABASE_URL is not set: starting an embedded PostgreSQL in ${env.embeddedDataDir} on port ${env.embeddedPort}`,
      );
      database = await startEmbeddedPostgres(env.embeddedDataDir, env.embeddedPort);
    }
  }
  const applied = await migrate(database.url);
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
  await prepareQueue(database.url);
  return database;
}
