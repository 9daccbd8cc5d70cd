import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { createDb, type Db, Prisma, sqlTransaction } from "../src/client.ts";
import { isTransient } from "../src/retry.ts";
import { createTestDatabase } from "../src/testing.ts";

let db: Db;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ url, drop } = await createTestDatabase(inject("databaseUrl")));
  // A server far from UTC, as one set to its machine's zone may be.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET TimeZone = 'Pacific/Kiritimati'`);
  await admin.end();
  db = createDb(url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await drop?.();
});

const run = () =>
  db.run.create({
    data: {
      hiddenSize: 8,
      learningRate: 0.1,
      learningRateDecay: 0.95,
      reg: 0,
      batchSize: 10,
      numIters: 10,
      weightScale: 1e-3,
      seed: 1,
      status: "RUNNING",
    },
  });

describe("the database client", () => {
  it("keeps time in UTC on a server in another zone: now() in SQL is the Date Prisma reads back", async () => {
    const { id } = await run();
    await db.$executeRaw`UPDATE "Run" SET "heartbeatAt" = now(), "startedAt" = CURRENT_TIMESTAMP WHERE id = ${id}::uuid`;
    let read = await db.run.findUniqueOrThrow({ where: { id } });
    expect(Math.abs(read.heartbeatAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(Math.abs(read.startedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    await sqlTransaction(
      db,
      (tx) => tx.$executeRaw`UPDATE "Run" SET "finishedAt" = now() WHERE id = ${id}::uuid`,
      5000,
    );
    read = await db.run.findUniqueOrThrow({ where: { id } });
    expect(Math.abs(read.finishedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    // A Date sent through either client is the instant Prisma reads back, whatever this process's zone.
    const zone = process.env.TZ;
    process.env.TZ = "Asia/Kolkata"; // (Node applies it to Dates at once)
    onTestFinished(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    const instant = new Date("2026-03-29T01:30:00.123Z");
    await sqlTransaction(
      db,
      (tx) => tx.$executeRaw`UPDATE "Run" SET "finishedAt" = ${instant} WHERE id = ${id}::uuid`,
      5000,
    );
    expect((await db.run.findUniqueOrThrow({ where: { id } })).finishedAt).toEqual(instant);
  });

  it("sqlTransaction: raw statements (with Prisma.sql fragments) commit together, bytes as they are", async () => {
    const { id } = await run();
    const bytes = new Uint8Array(3 * 2 ** 20).map((_, i) => (i * 7919) % 251);
    const counts = await sqlTransaction(
      db,
      async (tx) => [
        await tx.$executeRaw`INSERT INTO "Checkpoint" ("runId", "iteration", "data") VALUES (${id}::uuid, 5, ${Buffer.from(bytes.buffer)})`,
        await tx.$executeRaw`UPDATE "Run" SET ${Prisma.join([Prisma.sql`"iteration" = ${5}`, Prisma.sql`"name" = ${"x"}`])} WHERE id = ${id}::uuid`,
      ],
      5000,
    );
    expect(counts).toEqual([1, 1]);
    const checkpoint = await db.checkpoint.findUniqueOrThrow({ where: { runId: id } });
    expect(Buffer.compare(Buffer.from(checkpoint.data), Buffer.from(bytes.buffer))).toBe(0);
    expect(await db.run.findUniqueOrThrow({ where: { id } })).toMatchObject({ iteration: 5, name: "x" });
  });

  it("sqlTransaction: a failure rolls back every statement and is thrown; the pool goes on working", async () => {
    const { id } = await run();
    await expect(
      sqlTransaction(
        db,
        async (tx) => {
          await tx.$executeRaw`UPDATE "Run" SET "iteration" = 7 WHERE id = ${id}::uuid`;
          await tx.$executeRaw`INSERT INTO "Checkpoint" ("runId", "iteration", "data") VALUES (${id}::uuid, 7, NULL)`;
        },
        5000,
      ),
    ).rejects.toThrow(/null value in column "data"/);
    expect((await db.run.findUniqueOrThrow({ where: { id } })).iteration).toBe(0);
    // Both of the pool's connections, one after another failed, still serve.
    for (let i = 0; i < 3; i++) {
      await expect(
        sqlTransaction(
          db,
          (tx) => tx.$executeRaw`UPDATE "Run" SET "iteration" = 1 WHERE id = ${"not a uuid"}::uuid`,
          5000,
        ),
      ).rejects.toThrow(/invalid input syntax for type uuid/);
    }
    expect(
      await sqlTransaction(db, (tx) => tx.$executeRaw`UPDATE "Run" SET "iteration" = 2 WHERE id = ${id}::uuid`, 5000),
    ).toBe(1);
  });

  it("sqlTransaction: one still open after its timeout is ended, rolled back, and fails as an outage", async () => {
    const { id } = await run();
    const started = performance.now();
    const error = await sqlTransaction(
      db,
      async (tx) => {
        await tx.$executeRaw`UPDATE "Run" SET "iteration" = 9 WHERE id = ${id}::uuid`;
        await tx.$executeRaw`SELECT pg_sleep(5)`; // a server that stops answering
      },
      500,
    ).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(isTransient(error), String(error)).toBe(true); // withRetry runs it again
    expect((await db.run.findUniqueOrThrow({ where: { id } })).iteration).toBe(0);
  });

  it("sqlTransaction: a connection the server ends between two statements fails the transaction, not the process", async () => {
    const { id } = await run();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const error = await sqlTransaction(
      db,
      async (tx) => {
        await tx.$executeRaw`SET application_name = 'sqlTransaction-victim'`;
        await tx.$executeRaw`UPDATE "Run" SET "iteration" = 3 WHERE id = ${id}::uuid`;
        // As a restart does: the server ends the connection while no statement runs on it.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sqlTransaction-victim'`,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.$executeRaw`UPDATE "Run" SET "iteration" = 4 WHERE id = ${id}::uuid`;
      },
      5000,
    ).catch((e: unknown) => e);
    await admin.end();
    expect(isTransient(error), String(error)).toBe(true);
    expect((await db.run.findUniqueOrThrow({ where: { id } })).iteration).toBe(0);
    expect(
      await sqlTransaction(db, (tx) => tx.$executeRaw`UPDATE "Run" SET "iteration" = 5 WHERE id = ${id}::uuid`, 5000),
    ).toBe(1);
  });
});
