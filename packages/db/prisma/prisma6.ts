// SQL for a schema change, offline. Prisma 7's CLI downloads its schema engine, which cannot be done
// here; Prisma 6 can run its schema engine as WebAssembly when its config names a driver adapter. It
// only diffs two datamodels, but the engine still opens (and only opens) a connection through the
// adapter: `databaseUrl`, any reachable PostgreSQL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const cli = path.join(path.dirname(require.resolve("prisma6/package.json")), "build/index.js");
const adapterPg = require.resolve("@prisma/adapter-pg");

/** Prisma 6 wants a datasource url and no generator; Prisma 7 wants the opposite. */
function prisma6Schema(schema: string): string {
  return schema
    .replace(/generator client \{[^}]*\}/s, "")
    .replace(
      /(datasource db \{[^}]*provider\s*=\s*"postgresql")/s,
      '$1\n  url = "postgresql://unused@127.0.0.1/unused"',
    );
}

/** The SQL that turns the `from` datamodel (or an empty database) into the `to` datamodel. */
export function diffSql(from: string | "empty", to: string, databaseUrl: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "trainql-prisma6-"));
  try {
    writeFileSync(path.join(dir, "to.prisma"), prisma6Schema(to));
    if (from !== "empty") writeFileSync(path.join(dir, "from.prisma"), prisma6Schema(from));
    writeFileSync(
      path.join(dir, "prisma.config.mjs"),
      `import { PrismaPg } from ${JSON.stringify(adapterPg)};
export default { experimental: { adapter: true }, engine: "js", schema: "to.prisma",
  adapter: async () => new PrismaPg({ connectionString: ${JSON.stringify(databaseUrl)} }) };`,
    );
    const fromArgs = from === "empty" ? ["--from-empty"] : ["--from-schema-datamodel", "from.prisma"];
    const out = execFileSync(
      process.execPath,
      [
        cli,
        "migrate",
        "diff",
        ...fromArgs,
        "--to-schema-datamodel",
        "to.prisma",
        "--script",
        "--config",
        "prisma.config.mjs",
      ],
      {
        cwd: dir,
        encoding: "utf8",
        // Keep the CLI from trying to download engines it does not need for a datamodel diff.
        env: { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: "/dev/null", PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    return out.replace(/^Loaded Prisma config.*\n/m, "").trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const schemaPath = path.join(import.meta.dirname, "schema.prisma");
export const readSchema = (file = schemaPath) => readFileSync(file, "utf8");
