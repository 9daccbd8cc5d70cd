// A token bucket per caller: `burst` requests at once, refilled at `perMinute`. In memory, per API
// process — enough to stop a runaway script from queueing thousands of runs.
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one request for `key`; returns 0 when allowed, else the milliseconds until one is. */
  take(key: string, now = Date.now()): number {
    const refill = this.limit.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * refill);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / refill);
  }
}
