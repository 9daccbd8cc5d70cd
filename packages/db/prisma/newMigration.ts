// pnpm db:migration <name> [--from <git-ref>]  (from the repo root)
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the schema as it was at
// <git-ref> (default HEAD; the empty database when there are no migrations yet) to schema.prisma now.
// Needs a reachable PostgreSQL (DATABASE_URL, default the local one); it changes nothing there.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { diffSql, readSchema } from "./prisma6.ts";

const { values, positionals } = parseArgs({
  options: { from: { type: "string", default: "HEAD" } },
  allowPositionals: true,
});
const name = positionals[0];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:migration <name: lowercase letters, digits, _> [--from <git-ref>]");
  process.exit(2);
}
const migrations = path.join(import.meta.dirname, "migrations");
const first = !existsSync(migrations) || readdirSync(migrations).every((d) => !/^\d+_/.test(d));
const from = first
  ? "empty"
  : // `./` makes the path relative to cwd (this package), wherever the package sits in the repository.
    execFileSync("git", ["show", `${values.from}:./prisma/schema.prisma`], {
      encoding: "utf8",
      cwd: path.dirname(import.meta.dirname),
    });
const sql = diffSql(from, readSchema(), process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
if (!sql || /^-- This is an empty migration\.?$/.test(sql)) {
  console.log("schema.prisma has no changes to migrate");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(migrations, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, "migration.sql"), `${sql}\n`);
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
