// How each process reads its settings: once, at start-up, through one schema per process
// (create-t3-turbo's env.ts, with @t3-oss/env-core). Each package owns the variables of what it does
// (@trainql/db/env: which database; @trainql/runs/env: the run lease; the nn CLI's own); a
// process's schema is the union of the packages it runs. These are the pieces they share.
import type { StandardSchemaV1 } from "@t3-oss/env-core";
import { z } from "zod";

function integer(min: number, max: number) {
  const error =
    max === Number.POSITIVE_INFINITY ? `must be an integer ≥ ${min}` : `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/**
 * Where the processes listen unless PORT / DASHBOARD_PORT say otherwise. (The dashboard, which does
 * not depend on this package, repeats them: apps/dashboard/src/env.ts, scripts/serve.mjs, and its
 * package.json's `dev` script.)
 */
export const DEFAULT_PORTS = { api: 4000, dashboard: 3000 } as const;

/** An integer setting: `min` (and `max`, if any) name the values that make sense. */
export const intVariable = (fallback: number, min = 1, max = Number.POSITIVE_INFINITY) =>
  integer(min, max).default(fallback);

/** The same, undefined when unset: its default depends on another setting. */
export const optionalIntVariable = (min = 1, max = Number.POSITIVE_INFINITY) => integer(min, max).optional();

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
