// How long a run may go unheard from before it is taken back, and how often it may be: the API and
// every trainer must agree on these, so both read them from here.
import { intVariable } from "@trainql/env";
import type { ReapPolicy } from "./reaper.ts";

export const DEFAULT_LEASE = {
  /** A RUNNING run whose heartbeat is older than this has no live owner (nor a trainer that silent, any life). */
  timeoutMs: 15_000,
  /** How often a trainer renews its runs and anyone reaps: a few beats fit in one timeout. */
  heartbeatMs: 2_000,
  /** Attempts a run gets in all, interruptions included, before it fails. */
  maxAttempts: 3,
};

export const leaseVariables = {
  TRAINER_TIMEOUT_MS: intVariable(DEFAULT_LEASE.timeoutMs),
  TRAINER_HEARTBEAT_MS: intVariable(DEFAULT_LEASE.heartbeatMs),
  RUN_MAX_ATTEMPTS: intVariable(DEFAULT_LEASE.maxAttempts),
};

export const reapPolicyOf = (env: { TRAINER_TIMEOUT_MS: number; RUN_MAX_ATTEMPTS: number }): ReapPolicy => ({
  timeoutMs: env.TRAINER_TIMEOUT_MS,
  maxAttempts: env.RUN_MAX_ATTEMPTS,
});
