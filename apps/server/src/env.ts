// The API process's settings, read once at start-up (main.ts): the database's and the run lease's
// variables (their packages own them), and the API's own.
import { createEnv } from "@t3-oss/env-core";
import { databaseVariables } from "@trainql/db/env";
import { DEFAULT_PORTS, intVariable, listVariable, optionalIntVariable, rejectEnv } from "@trainql/env";
import { leaseVariables } from "@trainql/runs/env";
import { z } from "zod";
import { DEFAULT_LIMITS } from "./limits.ts";

export const apiVariables = {
  ...databaseVariables,
  ...leaseVariables,
  PORT: intVariable(DEFAULT_PORTS.api, 0),
  HOST: z.string().default("127.0.0.1"),
  /** Accepted bearer tokens (comma-separated); none means no authentication. */
  API_TOKEN: listVariable,
  /** Tokens that may read and watch but change nothing (comma-separated); they need API_TOKEN set too. */
  API_READ_TOKEN: listVariable,
  /** With tokens set, whether queries still work without one. */
  API_PUBLIC_QUERIES: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true"),
  /** Listening beyond loopback without tokens needs this loudly named opt-out. */
  TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER: z
    .enum(["0", "1"], { error: 'must be "1" or unset' })
    .optional(),
  MAX_QUEUED_RUNS: intVariable(DEFAULT_LIMITS.maxQueuedRuns),
  /** Queued runs one token may have at once (a shared server: one caller cannot fill the queue); default MAX_QUEUED_RUNS. */
  MAX_QUEUED_RUNS_PER_TOKEN: optionalIntVariable(),
  START_RUNS_PER_MINUTE: intVariable(DEFAULT_LIMITS.startRate.perMinute),
  /** Pages allowed to call the API from a browser (comma-separated origins); default: the dashboard here. */
  TRAINQL_ALLOWED_ORIGINS: listVariable,
  /** Names the API answers to besides loopback's (comma-separated); default: loopback's alone when it listens on loopback, any otherwise. */
  TRAINQL_ALLOWED_HOSTS: listVariable,
  DASHBOARD_PORT: intVariable(DEFAULT_PORTS.dashboard),
};

export const readApiEnv = (source: NodeJS.ProcessEnv = process.env) =>
  createEnv({
    server: apiVariables,
    runtimeEnv: source,
    emptyStringAsUndefined: true,
    onValidationError: rejectEnv(source),
  });

/** The dashboard on this machine, by both of its names. */
export const localDashboard = (port: number) => ["localhost", "127.0.0.1"].map((host) => `http://${host}:${port}`);
