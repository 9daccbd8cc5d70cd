// Whether new work may be queued: a per-caller rate of startRun/startSweep/forkRun/reproduceRun, a cap
// on queued runs, and a cap on those one token queued (so that one caller cannot fill the queue).
import type { Db, Prisma } from "@trainql/db";
import { GraphQLError } from "graphql";
import type { Context } from "../schema/builder.ts";

export interface AdmissionLimits {
  /** At most this many runs QUEUED at once, over all callers. */
  maxQueuedRuns: number;
  /** At most this many of them queued by one token (Run.queuedBy). */
  maxQueuedRunsPerToken: number;
}

const queueFull = (message: string) => new GraphQLError(message, { extensions: { code: "QUEUE_FULL" } });

/**
 * QUEUE_FULL if the `added` runs take the queue, or the caller's share of it, past its cap. `counted`:
 * whether the counts already include them (taken after they were written).
 */
async function checkRoom(db: Db | Prisma.TransactionClient, added: number, ctx: Context, counted: boolean) {
  const { maxQueuedRuns, maxQueuedRunsPerToken } = ctx.limits;
  const before = counted ? added : 0;
  const waiting = (await db.run.count({ where: { status: "QUEUED" } })) - before;
  if (waiting + added > maxQueuedRuns)
    throw queueFull(
      `The queue is full: ${waiting} runs are waiting and this would add ${added}; at most ${maxQueuedRuns} may wait. Wait for runs to start, or cancel some.`,
    );
  if (!ctx.queuedBy || maxQueuedRunsPerToken >= maxQueuedRuns) return;
  const mine = (await db.run.count({ where: { status: "QUEUED", queuedBy: ctx.queuedBy } })) - before;
  if (mine + added > maxQueuedRunsPerToken)
    throw queueFull(
      `This token's share of the queue is full: ${mine} of its runs are waiting and this would add ${added}; one token may have at most ${maxQueuedRunsPerToken} waiting (MAX_QUEUED_RUNS_PER_TOKEN), so that the queue stays open to the others. Wait for runs to start, or cancel some.`,
    );
}

/**
 * Runs `start`, which queues `runs` runs, if the caller's rate and the queue allow it: takes one start
 * from the caller's rate (RATE_LIMITED when it is spent), and refuses when the queue is already full
 * (without the lock: the check that holds is checkQueueRoom's, this one spares a full queue the work
 * of a start bound to be refused). A start refused, here or by `start` itself (the queue's cap at
 * commit, a conflict), gives its place in the rate back: a script that waits out QUEUE_FULL and
 * tries again must not find its rate spent on refusals.
 */
export async function admitted<T>(ctx: Context, runs: number, start: () => Promise<T>): Promise<T> {
  const at = Date.now();
  const wait = ctx.rateLimiter.take(ctx.caller, at);
  if (wait > 0) {
    throw new GraphQLError(`Too many runs started: try again in ${Math.ceil(wait / 1000)} s.`, {
      extensions: { code: "RATE_LIMITED", retryAfterMs: wait },
    });
  }
  try {
    await checkRoom(ctx.db, runs, ctx, false);
    return await start();
  } catch (error) {
    ctx.rateLimiter.giveBack(ctx.caller, at);
    throw error;
  }
}

/** An advisory lock's key ("tque"), held from the count of the queue to the commit. */
const QUEUE_LOCK = 0x74717565;

/**
 * Refuses (QUEUE_FULL) the `added` runs the transaction `tx` just queued (with `queuedBy:
 * ctx.queuedBy`) if they take the queue, or the caller's share, past its cap: its last statement. Two starts counting side by side, in one API process or several,
 * each saw room for theirs and both added them; so this count is taken under a lock held until
 * commit, and sees every run committed before it with this transaction's own. (Taken last, the
 * lock is held for a count, not while a fork copies megabytes.)
 */
export async function checkQueueRoom(tx: Prisma.TransactionClient, added: number, ctx: Context) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUEUE_LOCK}::bigint)`;
  await checkRoom(tx, added, ctx, true);
}
