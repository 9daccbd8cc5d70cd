// What one client may ask of the API, and the defaults: the environment (env.ts) overrides some.
import type { AdmissionLimits } from "./security/admission.ts";
import type { LossHistoryLimits } from "./security/lossHistoryBudget.ts";
import type { RateLimit } from "./security/rateLimiter.ts";

export interface ApiLimits extends AdmissionLimits, LossHistoryLimits {
  maxBodyBytes: number;
  maxSubscriptionsPerConnection: number;
  /**
   * WebSocket connections open at once from one address: the per-connection cap above bounds
   * nothing for a client that opens connections without end. (A browser tab holds one.)
   */
  maxConnectionsPerAddress: number;
  startRate: RateLimit;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
}

/** Run.lossHistory's maxPoints: its default (a chart's width of points), and the most one field may ask. */
export const LOSS_HISTORY_POINTS = { default: 500, max: 100_000 } as const;

export const DEFAULT_LIMITS: ApiLimits = {
  maxBodyBytes: 100_000,
  maxSubscriptionsPerConnection: 20,
  maxConnectionsPerAddress: 100,
  maxQueuedRuns: 1000,
  // As many as the whole queue: no share per token unless MAX_QUEUED_RUNS_PER_TOKEN says so.
  maxQueuedRunsPerToken: Number.POSITIVE_INFINITY,
  startRate: { perMinute: 120 },
  maxDepth: 12,
  maxAliases: 20,
  maxTokens: 3000,
  maxCost: 50_000,
  // Two pages of runs' curves at the default points, or ten at the most one field may ask.
  maxLossHistories: 100,
  maxLossPoints: 10 * LOSS_HISTORY_POINTS.max,
};
