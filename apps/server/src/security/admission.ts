// Whether new work may be queued: a per-caller rate of startRun/startSweep/forkRun/reproduceRun, and
// a cap on queued runs.
import type { Prisma } from "@trainql/db";
import { GraphQLError } from "graphql";
import type { Context } from "../schema/builder.ts";

export interface AdmissionLimits {
  /** At most this many runs QUEUED at once, over all callers. */
  maxQueuedRuns: number;
}

/** Takes one start from the caller's rate (RATE_LIMITED when it is spent): before any other work. */
export function admitCaller(ctx: Context): void {
  const wait = ctx.rateLimiter.take(ctx.token ?? "anonymous");
  if (wait > 0) {
    throw new GraphQLError(`Too many runs started: try again in ${Math.ceil(wait / 1000)} s.`, {
      extensions: { code: "RATE_LIMITED", retryAfterMs: wait },
    });
  }
}

/** An advisory lock's key ("tque"), held while a transaction counts the queue and adds to it. */
const QUEUE_LOCK = 0x74717565;

/**
 * Room in the queue for `runs` more (QUEUE_FULL when there is none), checked in the transaction that
 * queues them. It holds the queue's lock until that transaction ends: two starts counting side by
 * side, in one API process or several, would each see room for one and both add theirs.
 */
export async function claimQueueRoom(tx: Prisma.TransactionClient, runs: number, limits: AdmissionLimits) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUEUE_LOCK}::bigint)`;
  const queued = await tx.run.count({ where: { status: "QUEUED" } });
  if (queued + runs > limits.maxQueuedRuns) {
    throw new GraphQLError(
      `The queue is full: ${queued} runs are waiting and this would add ${runs}; at most ${limits.maxQueuedRuns} may wait. Wait for runs to start, or cancel some.`,
      { extensions: { code: "QUEUE_FULL" } },
    );
  }
}
