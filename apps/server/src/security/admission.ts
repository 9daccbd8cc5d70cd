// Whether new work may be queued: a per-caller rate of startRun/startSweep/forkRun/reproduceRun, and
// a cap on queued runs.
import type { Db, Prisma } from "@trainql/db";
import { GraphQLError } from "graphql";
import type { Context } from "../schema/builder.ts";

export interface AdmissionLimits {
  /** At most this many runs QUEUED at once, over all callers. */
  maxQueuedRuns: number;
}

/** QUEUE_FULL if `waiting` runs and `added` more are over the cap. */
function checkCap(waiting: number, added: number, { maxQueuedRuns }: AdmissionLimits): void {
  if (waiting + added <= maxQueuedRuns) return;
  throw new GraphQLError(
    `The queue is full: ${waiting} runs are waiting and this would add ${added}; at most ${maxQueuedRuns} may wait. Wait for runs to start, or cancel some.`,
    { extensions: { code: "QUEUE_FULL" } },
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
    checkCap(await queuedRuns(ctx.db), runs, ctx.limits);
    return await start();
  } catch (error) {
    ctx.rateLimiter.giveBack(ctx.caller, at);
    throw error;
  }
}

const queuedRuns = (db: Db | Prisma.TransactionClient) => db.run.count({ where: { status: "QUEUED" } });

/** An advisory lock's key ("tque"), held from the count of the queue to the commit. */
const QUEUE_LOCK = 0x74717565;

/**
 * Refuses (QUEUE_FULL) the `added` runs the transaction `tx` just queued if they take the queue past
 * its cap: its last statement. Two starts counting side by side, in one API process or several,
 * each saw room for theirs and both added them; so this count is taken under a lock held until
 * commit, and sees every run committed before it with this transaction's own. (Taken last, the
 * lock is held for a count, not while a fork copies megabytes.)
 */
export async function checkQueueRoom(tx: Prisma.TransactionClient, added: number, limits: AdmissionLimits) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUEUE_LOCK}::bigint)`;
  checkCap((await queuedRuns(tx)) - added, added, limits);
}
