// A run's events for one subscriber: first what is already stored, then live events, with no gap and
// no duplicate. It listens before it reads, keeps high-water marks of what it delivered, and goes back
// to the database whenever a live event does not continue exactly where the marks stand.
//
// Each event carries the marks after it as an opaque cursor: a client that reconnects passes the
// last one back and gets exactly what it missed. The stream ends after the run's final status (and,
// when a test evaluation is pending then, after its result).

import type { Db, RunStatus } from "@trainql/db";
import {
  downsample,
  isFinished,
  JOB_KEY,
  type Resync,
  type RunNotification,
  type RunPubSub,
  readLosses,
} from "@trainql/runs";
import { GraphQLError } from "graphql";
import { LOSS_HISTORY_POINTS } from "../limits.ts";

export type StreamEvent = RunNotification;
/** An event as delivered: with the cursor to resume after it. */
export type DeliveredEvent = StreamEvent & { cursor: string };

/** Points of loss history sent on catch-up (the history is downsampled, live batches are sampled): a chart's. */
const CATCH_UP_POINTS = LOSS_HISTORY_POINTS.default;

/** What a subscriber has been given so far. */
export interface Marks {
  status: RunStatus | null;
  epoch: number;
  lossesTo: number;
  weightsEpoch: number;
  testAcc: number | null;
  testError: string | null;
}

export const START: Marks = { status: null, epoch: -1, lossesTo: 0, weightsEpoch: -1, testAcc: null, testError: null };

/** The cursor after an event of run `runId`: the marks, and whose they are. */
export function encodeCursor(runId: string, marks: Marks): string {
  return Buffer.from(JSON.stringify({ ...marks, run: runId })).toString("base64url");
}

/**
 * The marks in a cursor from this run's stream; a BAD_USER_INPUT error naming `after` otherwise
 * (another run's cursor would skip this run's events up to its marks). A cursor without a run is
 * from before cursors named theirs, and is taken as this run's.
 */
function decodeCursor(cursor: string, runId: string): Marks {
  const bad = () =>
    new GraphQLError(`after must be a cursor from an earlier runEvents event of this run; got "${cursor}"`, {
      extensions: { code: "BAD_USER_INPUT", field: "after" },
    });
  let marks: Partial<Marks> & { run?: unknown };
  try {
    marks = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!marks || typeof marks !== "object" || (marks.run !== undefined && marks.run !== runId)) throw bad();
  const { run: _run, ...rest } = marks;
  const int = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  if (
    !marks ||
    typeof marks !== "object" ||
    !int(marks.epoch, -1) ||
    !int(marks.lossesTo, 0) ||
    !int(marks.weightsEpoch, -1) ||
    !(marks.testAcc === null || typeof marks.testAcc === "number") ||
    !(marks.testError === undefined || marks.testError === null || typeof marks.testError === "string") ||
    !(marks.status === null || typeof marks.status === "string")
  )
    throw bad();
  return { ...START, ...rest } as Marks;
}

async function evaluationPending(db: Db, runId: string): Promise<boolean> {
  // Running (locked), or yet to run: a job out of attempts will not run again. (A job's attempts
  // count up as it is taken.)
  const [job] = await db.$queryRaw<unknown[]>`SELECT 1 FROM graphile_worker.jobs
    WHERE key = ${JOB_KEY.evaluate(runId)} AND (locked_at IS NOT NULL OR attempts < max_attempts)`;
  return job !== undefined;
}

/**
 * One subscriber's position in a run's events: the marks of what it was given, and whether its
 * stream is over. `catchUp` reads what the database has past the marks; `apply` takes a live
 * notification (or an event another stream delivered, see useRunEventFanout.ts) and yields what it
 * adds, going back to the database when it does not continue exactly where the marks stand.
 */
export class RunEventCursor {
  readonly marks: Marks;
  /** Set once the run's status is final: the stream ends, or waits for a pending test result. */
  ending: "now" | "after-test" | null = null;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    after?: string,
  ) {
    this.marks = after ? decodeCursor(after, runId) : { ...START };
  }

  /** Whether the stream is over (a getter: the flag changes across awaits, which TypeScript would narrow away). */
  get ended(): boolean {
    return this.ending === "now";
  }

  /** Whether this cursor stands exactly at `marks`. */
  at(marks: Marks): boolean {
    const m = this.marks;
    return (
      m.status === marks.status &&
      m.epoch === marks.epoch &&
      m.lossesTo === marks.lossesTo &&
      m.weightsEpoch === marks.weightsEpoch &&
      m.testAcc === marks.testAcc &&
      m.testError === marks.testError
    );
  }

  /** Moves to where another stream with the same history stands (after delivering its event). */
  moveTo(marks: Marks, ending: RunEventCursor["ending"]): void {
    Object.assign(this.marks, marks);
    this.ending = ending;
  }

  private deliver(event: StreamEvent): DeliveredEvent {
    return { ...event, cursor: encodeCursor(this.runId, this.marks) };
  }

  async *catchUp(): AsyncGenerator<DeliveredEvent> {
    const { db, runId, marks } = this;
    // Asked before the run is read: an evaluation that is over by then has its result in the row.
    const pending = await evaluationPending(db, runId);
    let testDelivered = false;
    const run = await db.run.findUnique({
      where: { id: runId },
      select: { status: true, iteration: true, weightsEpoch: true, testAcc: true, testError: true },
    });
    if (!run) {
      this.ending = "now";
      return;
    }
    if (run.iteration > marks.lossesTo) {
      const from = marks.lossesTo;
      const losses = await readLosses(db, runId, from, run.iteration);
      const points = downsample(losses, CATCH_UP_POINTS, from).map((p): [number, number] => [p.iteration, p.loss]);
      marks.lossesTo += losses.length;
      yield this.deliver({ type: "losses", runId, from, to: marks.lossesTo, points });
    }
    const epochs = await db.epochMetric.findMany({
      where: { runId, epoch: { gt: marks.epoch } },
      orderBy: { epoch: "asc" },
    });
    for (const { runId: _, recordedAt, ...epoch } of epochs) {
      marks.epoch = epoch.epoch;
      yield this.deliver({ type: "epoch", runId, epoch: { ...epoch, recordedAt: recordedAt.toISOString() } });
    }
    if (run.weightsEpoch !== null && run.weightsEpoch > marks.weightsEpoch) {
      marks.weightsEpoch = run.weightsEpoch;
      yield this.deliver({ type: "weights", runId, epoch: run.weightsEpoch });
    }
    if (run.testAcc !== null && run.testAcc !== marks.testAcc) {
      marks.testAcc = run.testAcc;
      testDelivered = true;
      yield this.deliver({ type: "test", runId, testAcc: run.testAcc });
      if (this.ending === "after-test") this.ending = "now";
    }
    // An evaluation that failed is over too: why, instead of a result.
    const evaluationFailed = run.testError !== null;
    if (run.testError !== null && run.testError !== marks.testError) {
      marks.testError = run.testError;
      yield this.deliver({ type: "testFailed", runId, error: run.testError });
    }
    if (evaluationFailed && this.ending === "after-test") this.ending = "now";
    if (run.status !== marks.status) {
      marks.status = run.status;
      yield this.deliver({ type: "status", runId, status: run.status });
    }
    if (isFinished(run.status) && this.ending === null)
      this.ending = pending && !testDelivered && !evaluationFailed ? "after-test" : "now";
  }

  /** What a live notification adds past the marks (a database catch-up where it leaves a gap). */
  async *apply(event: StreamEvent | Resync): AsyncGenerator<DeliveredEvent> {
    const { marks } = this;
    switch (event.type) {
      case "epoch":
        if (event.epoch.epoch === marks.epoch + 1) {
          marks.epoch = event.epoch.epoch;
          yield this.deliver(event);
        } else if (event.epoch.epoch > marks.epoch + 1) yield* this.catchUp();
        break;
      case "losses":
        if (event.from === marks.lossesTo) {
          marks.lossesTo = event.to;
          yield this.deliver(event);
        } else if (event.from > marks.lossesTo) yield* this.catchUp();
        else if (event.to > marks.lossesTo) {
          const from = marks.lossesTo;
          marks.lossesTo = event.to;
          yield this.deliver({ ...event, from, points: event.points.filter(([it]) => it >= from) });
        }
        break;
      case "weights":
        if (event.epoch > marks.weightsEpoch) {
          marks.weightsEpoch = event.epoch;
          yield this.deliver(event);
        }
        break;
      case "test":
        if (event.testAcc !== marks.testAcc) {
          marks.testAcc = event.testAcc;
          yield this.deliver(event);
        }
        if (this.ending === "after-test") this.ending = "now";
        break;
      case "testFailed":
        if (event.error !== marks.testError) {
          marks.testError = event.error;
          yield this.deliver(event);
        }
        if (this.ending === "after-test") this.ending = "now";
        break;
      case "status":
        // Everything written before a status change was committed before it: deliver that first.
        if (event.status !== marks.status) yield* this.catchUp();
        break;
      case "resync":
        yield* this.catchUp();
        break;
    }
  }

  /** Catch-up, then live notifications from `pubsub` (listening first), until the stream ends. */
  async *follow(pubsub: RunPubSub): AsyncGenerator<DeliveredEvent> {
    yield* this.followFrom(await pubsub.listen("trainql:run", this.runId));
  }

  /** Catch-up, then `notifications` (already listening), until the stream ends; closes them at the end. */
  async *followFrom(notifications: AsyncGenerator<StreamEvent | Resync>): AsyncGenerator<DeliveredEvent> {
    try {
      yield* this.catchUp();
      if (this.ended) return;
      for await (const event of notifications) {
        yield* this.apply(event);
        if (this.ended) return;
      }
    } finally {
      await notifications.return(undefined);
    }
  }
}

export function runEventStream(
  db: Db,
  pubsub: RunPubSub,
  runId: string,
  after?: string,
): AsyncGenerator<DeliveredEvent> {
  return new RunEventCursor(db, runId, after).follow(pubsub);
}

/**
 * What the runEvents field's subscribe returns: iterated directly, one subscriber's own stream
 * (runEventStream); the fan-out plugin (useRunEventFanout.ts) recognizes it and serves the subscriber
 * from a stream shared with others instead. The cursor is checked here, before anything listens.
 */
export class RunEventSource implements AsyncIterable<DeliveredEvent> {
  readonly cursor: RunEventCursor;

  constructor(
    readonly db: Db,
    readonly pubsub: RunPubSub,
    readonly runId: string,
    readonly after?: string,
  ) {
    this.cursor = new RunEventCursor(db, runId, after);
  }

  [Symbol.asyncIterator](): AsyncGenerator<DeliveredEvent> {
    return this.cursor.follow(this.pubsub);
  }
}
