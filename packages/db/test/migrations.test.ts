import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { diffSql, readSchema } from "../prisma/prisma6.ts";
import { listMigrations, MIGRATIONS_DIR, migrate } from "../src/migrate.ts";
import { createTestDatabase } from "../src/testing.ts";

const drops: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(drops.map((drop) => drop())));

async function freshDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  const database = await createTestDatabase(inject("databaseUrl"), options);
  drops.push(database.drop);
  return database.url;
}

/** Everything about a database's public schema that a migration can create, normalised for comparison. */
async function describeSchema(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    return {
      columns:
        await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length
                        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
                        ORDER BY table_name, column_name`),
      indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes
                        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`),
      constraints: await q(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
                            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                            AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY conname`),
      enums: await q(`SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
                      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY t.typname`),
    };
  } finally {
    await client.end();
  }
}

async function execSql(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
}

describe("migrations", () => {
  it("create exactly what schema.prisma describes", async () => {
    const fromMigrations = await freshDatabase({ migrated: false });
    await migrate(fromMigrations);
    // The reference: what Prisma's schema engine creates from schema.prisma on an empty database.
    const fromSchema = await freshDatabase({ migrated: false });
    await execSql(fromSchema, diffSql("empty", readSchema(), fromSchema));
    const actual = await describeSchema(fromMigrations);
    expect(actual.columns.length).toBeGreaterThan(40);
    expect(actual).toEqual(await describeSchema(fromSchema));
  });

  it("are recorded in _prisma_migrations as prisma migrate deploy does, and applied once", async () => {
    const url = await freshDatabase({ migrated: false });
    const names = listMigrations().map((m) => m.name);
    expect(await migrate(url)).toEqual(names);
    expect(await migrate(url)).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    await client.end();
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(listMigrations()[i]!.checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("store parameters and images out of line as they are, without trying to compress them", async () => {
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(`SELECT c.relname AS "table", a.attname AS "column", a.attstorage AS storage
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.atttypid = 'bytea'::regtype
      AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2`);
    await client.end();
    // 'e' (EXTERNAL): no compression; 'x' (EXTENDED, PostgreSQL's default): compressed when it pays.
    // Losses are the one binary column left to compress: a run's losses are alike and shrink.
    expect(rows).toEqual([
      { table: "Checkpoint", column: "data", storage: "e" },
      { table: "EpochCheckpoint", column: "data", storage: "e" },
      { table: "LossChunk", column: "losses", storage: "x" },
      { table: "Run", column: "weightsPng", storage: "e" },
      { table: "ValMistake", column: "png", storage: "e" },
      { table: "WeightsImage", column: "png", storage: "e" },
    ]);
  });

  it("refuse a migration edited after it was applied", async () => {
    const url = await freshDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), "trainql-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const first = listMigrations(dir)[0]!.name;
    writeFileSync(path.join(dir, first, "migration.sql"), "SELECT 1;");
    await expect(migrate(url, dir)).rejects.toThrow(`migration ${first} was changed after it was applied`);
  });
});
