// How each server process reads its settings: once, at start-up, through one schema per process
// (create-t3-turbo's env.ts, with @t3-oss/env-core). Each package owns the variables of what it
// does; a process's schema is the union of the packages it runs.
import path from "node:path";
import { createEnv, type StandardSchemaV1 } from "@t3-oss/env-core";
import { z } from "zod";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** An integer setting: `min` names the smallest value that makes sense. */
export const intVariable = (fallback: number, min = 1) =>
  z.coerce
    .number({ error: `must be an integer ≥ ${min}` })
    .int({ error: `must be an integer ≥ ${min}` })
    .min(min, { error: `must be an integer ≥ ${min}` })
    .default(fallback);

/** Comma-separated values; unset or empty means none. */
export const listVariable = z
  .string()
  .optional()
  .transform((raw) =>
    (raw ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** Which PostgreSQL to use. */
export const databaseVariables = {
  /** When unset, an embedded PostgreSQL is started under EMBEDDED_PG_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" })
    .optional(),
  EMBEDDED_PG_DIR: z
    .string()
    .default(path.join(repoRoot, ".data", "postgres"))
    .transform((dir) => path.resolve(dir)),
  EMBEDDED_PG_PORT: intVariable(54329),
};

/**
 * What createEnv does with bad values: stop the process with one line per variable, naming it, what
 * it must be, and what it was.
 */
export const rejectEnv =
  (source: NodeJS.ProcessEnv) =>
  (issues: readonly StandardSchemaV1.Issue[]): never => {
    const lines = issues.map((issue) => {
      const key = issue.path?.[0];
      const name = String(typeof key === "object" ? key.key : key);
      return `  ${name} ${issue.message}; got "${source[name]}"`;
    });
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  };

export const readDatabaseEnv = (source: NodeJS.ProcessEnv = process.env) =>
  createEnv({
    server: databaseVariables,
    runtimeEnv: source,
    emptyStringAsUndefined: true,
    onValidationError: rejectEnv(source),
  });
export type DatabaseEnv = ReturnType<typeof readDatabaseEnv>;
