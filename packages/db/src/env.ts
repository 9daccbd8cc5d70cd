// Which database a process uses: the variables every process that opens it reads (see @trainql/env
// for how settings are read).
import path from "node:path";
import { createEnv } from "@t3-oss/env-core";
import { intVariable, rejectEnv } from "@trainql/env";
import { z } from "zod";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

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

export const readDatabaseEnv = (source: NodeJS.ProcessEnv = process.env) =>
  createEnv({
    server: databaseVariables,
    runtimeEnv: source,
    emptyStringAsUndefined: true,
    onValidationError: rejectEnv(source),
  });
export type DatabaseEnv = ReturnType<typeof readDatabaseEnv>;
