// A run's events for one subscriber: first what is already stored, then live events, with no gap and
// no duplicate. It listens before it reads, keeps high-water marks of what it delivered, and goes back
// to the database whenever a live event does not continue exactly where the marks stand.
//
// Each event carries the marks after it as an opaque cursor: a client that reconnects passes the
// last one back and gets exactly what it missed. The stream ends after the run's final status (and,
// when a test evaluation is pending then, after its result).

import type { Db, RunStatus } from "@trainql/db";
import { downsample, type RunNotification, type RunPubSub, readLosses } from "@trainql/runs";
import { GraphQLError } from "graphql";

export type StreamEvent = RunNotification;
/** An event as delivered: with the cursor to resume after it. */
export type DeliveredEvent = StreamEvent & { cursor: string };

/** Points of loss history sent on catch-up: the history is downsampled, live batches are sampled. */
const CATCH_UP_POINTS = 500;

/** Statuses after which nothing more happens to a run (a PAUSED sweep trial may still be promoted). */
export const FINAL_STATUSES: readonly RunStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED", "STOPPED"];

/** What a subscriber has been given so far. */
interface Marks {
  status: RunStatus | null;
  epoch: number;
  lossesTo: number;
  weightsEpoch: number;
  testAcc: number | null;
}

const START: Marks = { status: null, epoch: -1, lossesTo: 0, weightsEpoch: -1, testAcc: null };

export function encodeCursor(marks: Marks): string {
  return Buffer.from(JSON.stringify(marks)).toString("base64url");
}

/** The marks in a cursor from this stream; a BAD_USER_INPUT error naming `after` otherwise. */
export function decodeCursor(cursor: string): Marks {
  const bad = () =>
    new GraphQLError(`after must be a cursor from an earlier runEvents event of this run; got "${cursor}"`, {
      extensions: { code: "BAD_USER_INPUT", field: "after" },
    });
  let marks: Partial<Marks>;
  try {
    marks = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const int = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  if (
    !marks ||
    typeof marks !== "object" ||
    !int(marks.epoch, -1) ||
    !int(marks.lossesTo, 0) ||
    !int(marks.weightsEpoch, -1) ||
    !(marks.testAcc === null || typeof marks.testAcc === "number") ||
    !(marks.status === null || typeof marks.status === "string")
  )
    throw bad();
  return { ...START, ...marks } as Marks;
}

async function evaluationPending(db: Db, runId: string): Promise<boolean> {
  const [job] = await db.$queryRaw<unknown[]>`SELECT 1 FROM graphile_worker.jobs WHERE key = ${`evaluate:${runId}`}`;
  return job !== undefined;
}

export async function* runEventStream(
  db: Db,
  pubsub: RunPubSub,
  runId: string,
  after?: string,
): AsyncGenerator<DeliveredEvent> {
  const marks: Marks = after ? decodeCursor(after) : { ...START };
  const notifications = await pubsub.listen("trainql:run", runId);
  /** Set once the run's status is final: the stream ends, or waits for a pending test result. */
  const state: { ending: "now" | "after-test" | null } = { ending: null };
  const deliver = (event: StreamEvent): DeliveredEvent => ({ ...event, cursor: encodeCursor(marks) });

  async function* catchUp(): AsyncGenerator<DeliveredEvent> {
    // Asked before the run is read: an evaluation that is over by then has its result in the row.
    const pending = await evaluationPending(db, runId);
    let testDelivered = false;
    const run = await db.run.findUnique({
      where: { id: runId },
      select: { status: true, iteration: true, weightsEpoch: true, testAcc: true },
    });
    if (!run) {
      state.ending = "now";
      return;
    }
    if (run.iteration > marks.lossesTo) {
      const from = marks.lossesTo;
      const losses = await readLosses(db, runId, from, run.iteration);
      const points = downsample(losses, CATCH_UP_POINTS, from).map((p): [number, number] => [p.iteration, p.loss]);
      marks.lossesTo += losses.length;
      yield deliver({ type: "losses", runId, from, to: marks.lossesTo, points });
    }
    const epochs = await db.epochMetric.findMany({
      where: { runId, epoch: { gt: marks.epoch } },
      orderBy: { epoch: "asc" },
    });
    for (const { runId: _, recordedAt, ...epoch } of epochs) {
      marks.epoch = epoch.epoch;
      yield deliver({ type: "epoch", runId, epoch: { ...epoch, recordedAt: recordedAt.toISOString() } });
    }
    if (run.weightsEpoch !== null && run.weightsEpoch > marks.weightsEpoch) {
      marks.weightsEpoch = run.weightsEpoch;
      yield deliver({ type: "weights", runId, epoch: run.weightsEpoch });
    }
    if (run.testAcc !== null && run.testAcc !== marks.testAcc) {
      marks.testAcc = run.testAcc;
      testDelivered = true;
      yield deliver({ type: "test", runId, testAcc: run.testAcc });
      if (state.ending === "after-test") state.ending = "now";
    }
    if (run.status !== marks.status) {
      marks.status = run.status;
      yield deliver({ type: "status", runId, status: run.status });
    }
    if (FINAL_STATUSES.includes(run.status) && state.ending === null)
      state.ending = pending && !testDelivered ? "after-test" : "now";
  }

  try {
    yield* catchUp();
    if (state.ending === "now") return;
    for await (const event of notifications) {
      switch (event.type) {
        case "epoch":
          if (event.epoch.epoch === marks.epoch + 1) {
            marks.epoch = event.epoch.epoch;
            yield deliver(event);
          } else if (event.epoch.epoch > marks.epoch + 1) yield* catchUp();
          break;
        case "losses":
          if (event.from === marks.lossesTo) {
            marks.lossesTo = event.to;
            yield deliver(event);
          } else if (event.from > marks.lossesTo) yield* catchUp();
          else if (event.to > marks.lossesTo) {
            const from = marks.lossesTo;
            marks.lossesTo = event.to;
            yield deliver({ ...event, from, points: event.points.filter(([it]) => it >= from) });
          }
          break;
        case "weights":
          if (event.epoch > marks.weightsEpoch) {
            marks.weightsEpoch = event.epoch;
            yield deliver(event);
          }
          break;
        case "test":
          if (event.testAcc !== marks.testAcc) {
            marks.testAcc = event.testAcc;
            yield deliver(event);
          }
          if (state.ending === "after-test") state.ending = "now";
          break;
        case "status":
          // Everything written before a status change was committed before it: deliver that first.
          if (event.status !== marks.status) yield* catchUp();
          break;
        case "resync":
          yield* catchUp();
          break;
      }
      if (state.ending === "now") return;
    }
  } finally {
    await notifications.return(undefined);
  }
}
