// The embedded PostgreSQL's superuser password: random, kept beside the data directory for its owner
// alone, and given to a data directory from before, which had the fixed "postgres" any user of the
// machine could log in with. A real server, started and stopped here.
import { mkdirSync, rmSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedOnTheWay, embeddedUrl, passwordFileOf, startEmbeddedPostgres } from "../src/embeddedPostgres.ts";

// (Under the repository's .data, as `pnpm start`'s: as root, PostgreSQL runs as a user of its own,
// which may not enter a private temporary directory.)
const dataDir = path.resolve(import.meta.dirname, `../../../.data/test-embedded-${process.pid}`);
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(passwordFileOf(dataDir), { force: true });
});

/** Whether `url` logs in: true, or the server's error code (28P01: wrong password). */
async function logsIn(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

describe("the embedded PostgreSQL's password", () => {
  const port = 25_000 + (process.pid % 5_000);

  it("is random, kept readable by its owner alone, and the only one that logs in", async () => {
    const server = await startEmbeddedPostgres(dataDir, port);
    try {
      expect(statSync(passwordFileOf(dataDir)).mode & 0o777).toBe(0o600);
      expect(await logsIn(server.url)).toBe(true);
      expect(await logsIn(embeddedUrl("postgres", port))).toBe("28P01");
    } finally {
      await server.stop();
    }
  });

  it("replaces the fixed one of a data directory from before", async () => {
    // A directory as an earlier version left it: the fixed password, no file beside it.
    let server = await startEmbeddedPostgres(dataDir, port);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("ALTER ROLE postgres PASSWORD 'postgres'");
    await client.end();
    await server.stop();
    unlinkSync(passwordFileOf(dataDir));

    server = await startEmbeddedPostgres(dataDir, port);
    try {
      expect(new URL(server.url).password).not.toBe("postgres");
      expect(await logsIn(server.url)).toBe(true);
      expect(await logsIn(embeddedUrl("postgres", port))).toBe("28P01");
    } finally {
      await server.stop();
    }
    // Kept: the next start logs in with it.
    server = await startEmbeddedPostgres(dataDir, port);
    await server.stop();
  });
});

describe("as root, a directory the user postgres cannot enter", () => {
  // (As a fresh container's clone under /root, mode 700: initdb failed with "Permission denied".)
  const privateDir = path.join(path.dirname(dataDir), `test-private-${process.pid}`);
  // (Made in the tests, not while they are collected: `recursive` with a mode would give .data, made
  // here on a fresh clone, mode 700 too, and the other tests' server could not enter it.)
  let above: ReturnType<typeof closedOnTheWay>;
  beforeAll(() => {
    mkdirSync(path.dirname(privateDir), { recursive: true });
    mkdirSync(privateDir, { mode: 0o700 });
    mkdirSync(path.join(privateDir, "clone"));
    // The first closed directory above it, where the checkout itself is in one (a home of mode 700).
    above = closedOnTheWay(path.dirname(privateDir));
  });
  afterAll(() => rmSync(privateDir, { recursive: true, force: true }));

  it("is found on the way down to a path, by its mode", () => {
    expect(closedOnTheWay(path.join(privateDir, "clone", ".data"))).toEqual(above ?? { dir: privateDir, mode: "700" });
  });

  it.skipIf(process.getuid?.() !== 0)("stops the server's start with what to do, before initdb", async () => {
    const error = await startEmbeddedPostgres(path.join(privateDir, "clone", ".data", "postgres"), 5499).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      `As root, the embedded PostgreSQL runs as the user postgres (PostgreSQL refuses to run as root), which cannot enter ${above?.dir ?? privateDir} (mode ${above?.mode ?? "700"}). ` +
        "Put TrainQL where other users can reach it (e.g. /opt/trainql, not under /root), run it as a regular user, or set DATABASE_URL to a PostgreSQL server you run.",
    );
  });
});
