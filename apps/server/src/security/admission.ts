// Whether new work may be queued: a cap on queued runs and a per-caller rate of startRun/startSweep.
import { GraphQLError } from "graphql";
import type { Context } from "../schema/builder.ts";

export interface AdmissionLimits {
  /** At most this many runs QUEUED at once, over all callers. */
  maxQueuedRuns: number;
}

export async function admit(ctx: Context, runs: number): Promise<void> {
  const wait = ctx.rateLimiter.take(ctx.token ?? "anonymous");
  if (wait > 0) {
    throw new GraphQLError(`Too many runs started: try again in ${Math.ceil(wait / 1000)} s.`, {
      extensions: { code: "RATE_LIMITED", retryAfterMs: wait },
    });
  }
  const queued = await ctx.db.run.count({ where: { status: "QUEUED" } });
  if (queued + runs > ctx.limits.maxQueuedRuns) {
    throw new GraphQLError(
      `The queue is full: ${queued} runs are waiting and this would add ${runs}; at most ${ctx.limits.maxQueuedRuns} may wait. Wait for runs to start, or cancel some.`,
      { extensions: { code: "QUEUE_FULL" } },
    );
  }
}
