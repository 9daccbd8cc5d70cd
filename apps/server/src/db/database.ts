// Which PostgreSQL to use: DATABASE_URL when set; else the embedded one, started here if no other
// process of ours has started it already. Either way the schema is migrated before use.
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import type { Env } from "../env.ts";
import { prepareQueue } from "../queue/runQueue.ts";
import { migrate } from "./migrate.ts";

export interface Database {
  url: string;
  /** Stops the embedded server if this process started it. */
  stop(): Promise<void>;
  /** Resolves if the embedded server this process started exits by itself (never for an external one). */
  exited: Promise<string>;
}

const NEVER = new Promise<string>(() => {});

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
    database = { url: env.databaseUrl, stop: async () => {}, exited: NEVER };
  } else {
    const url = `postgresql://postgres:postgres@127.0.0.1:${env.embeddedPort}/postgres`;
    if (await reachable(url)) database = { url, stop: async () => {}, exited: NEVER };
    else {
      log(
        `DATABASE_URL is not set: starting an embedded PostgreSQL in ${env.embeddedDataDir} on port ${env.embeddedPort}`,
      );
      database = await spawnEmbeddedPostgres(env.embeddedDataDir, env.embeddedPort);
    }
  }
  const applied = await migrate(database.url);
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
  await prepareQueue(database.url);
  return database;
}

/** The embedded PostgreSQL in a child process (see embeddedPostgres.ts for why). */
export async function spawnEmbeddedPostgres(dataDir: string, port: number): Promise<Database> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "embeddedServer.ts"), dataDir, String(port)],
    {
      cwd: path.resolve(import.meta.dirname, "../.."),
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const ready = /^ready (\S+)$/m.exec(out);
      if (ready?.[1]) resolve(ready[1]);
    });
    child.once("exit", (code) => reject(new Error(`the embedded PostgreSQL exited (${code}) before it was ready`)));
  });
  return {
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
