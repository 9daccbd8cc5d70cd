// At most `perMinute` requests per caller in any 60 seconds (a sliding window: exactly the number the
// README and the error promise, with no burst on top). In memory, per API process — enough to stop a
// runaway script from queueing thousands of runs.
export interface RateLimit {
  perMinute: number;
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  /** Per caller, the times of the requests accepted in the last minute, oldest first. */
  private readonly accepted = new Map<string, number[]>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one request for `key`; returns 0 when allowed, else the milliseconds until one is. */
  take(key: string, now = Date.now()): number {
    const times = (this.accepted.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    this.accepted.set(key, times);
    if (times.length < this.limit.perMinute) {
      times.push(now);
      return 0;
    }
    return (times[0] as number) + WINDOW_MS - now;
  }

  /** Gives back the request taken for `key` at `at` (it was refused after all). */
  giveBack(key: string, at: number): void {
    const times = this.accepted.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (index >= 0) times!.splice(index, 1);
  }
}
