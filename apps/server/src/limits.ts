// What one client may ask of the API, and the defaults: the environment (env.ts) overrides some.
import type { AdmissionLimits } from "./security/admission.ts";
import type { RateLimit } from "./security/rateLimiter.ts";

export interface ApiLimits extends AdmissionLimits {
  maxBodyBytes: number;
  maxSubscriptionsPerConnection: number;
  startRate: RateLimit;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxBodyBytes: 100_000,
  maxSubscriptionsPerConnection: 20,
  maxQueuedRuns: 1000,
  startRate: { perMinute: 120 },
  maxDepth: 12,
  maxAliases: 20,
  maxTokens: 3000,
  maxCost: 50_000,
};
