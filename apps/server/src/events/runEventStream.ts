// A run's events for one subscriber: first what is already stored, then live events, with no gap and
// no duplicate. It listens before it reads, keeps high-water marks of what it delivered, and goes back
// to the database whenever a live event does not continue exactly where the marks stand.
import type { Db, RunStatus } from "../db/prisma.ts";
import { downsample, readLosses } from "../trainer/lossStore.ts";
import type { NotificationHub } from "./pgNotifications.ts";
import { type RunEvent, topics } from "./runEvents.ts";

export type StreamEvent = Exclude<RunEvent, { type: "resync" }>;

/** Points of loss history sent on catch-up: the history is downsampled, live batches are sampled. */
const CATCH_UP_POINTS = 500;

export async function* runEventStream(db: Db, hub: NotificationHub, runId: string): AsyncGenerator<StreamEvent> {
  const subscription = await hub.subscribe<RunEvent>(topics.run(runId));
  const marks = {
    status: undefined as RunStatus | undefined,
    epoch: -1,
    lossesTo: 0,
    weightsEpoch: -1,
    testAcc: null as number | null,
  };

  async function* catchUp(): AsyncGenerator<StreamEvent> {
    const run = await db.run.findUnique({
      where: { id: runId },
      select: { status: true, iteration: true, weightsEpoch: true, testAcc: true },
    });
    if (!run) return;
    if (run.iteration > marks.lossesTo) {
      const losses = await readLosses(db, runId, marks.lossesTo, run.iteration);
      const points = downsample(losses, CATCH_UP_POINTS, marks.lossesTo).map((p): [number, number] => [
        p.iteration,
        p.loss,
      ]);
      yield { type: "losses", runId, from: marks.lossesTo, to: marks.lossesTo + losses.length, points };
      marks.lossesTo += losses.length;
    }
    const epochs = await db.epochMetric.findMany({
      where: { runId, epoch: { gt: marks.epoch } },
      orderBy: { epoch: "asc" },
    });
    for (const { runId: _, recordedAt, ...epoch } of epochs) {
      yield { type: "epoch", runId, epoch: { ...epoch, recordedAt: recordedAt.toISOString() } };
      marks.epoch = epoch.epoch;
    }
    if (run.weightsEpoch !== null && run.weightsEpoch > marks.weightsEpoch) {
      yield { type: "weights", runId, epoch: run.weightsEpoch };
      marks.weightsEpoch = run.weightsEpoch;
    }
    if (run.testAcc !== null && run.testAcc !== marks.testAcc) {
      yield { type: "test", runId, testAcc: run.testAcc };
      marks.testAcc = run.testAcc;
    }
    if (run.status !== marks.status) {
      yield { type: "status", runId, status: run.status };
      marks.status = run.status;
    }
  }

  try {
    yield* catchUp();
    for await (const event of subscription.events) {
      switch (event.type) {
        case "epoch":
          if (event.epoch.epoch === marks.epoch + 1) {
            yield event;
            marks.epoch = event.epoch.epoch;
          } else if (event.epoch.epoch > marks.epoch + 1) yield* catchUp();
          break;
        case "losses":
          if (event.from === marks.lossesTo) {
            yield event;
            marks.lossesTo = event.to;
          } else if (event.from > marks.lossesTo) yield* catchUp();
          else if (event.to > marks.lossesTo) {
            const from = marks.lossesTo;
            yield { ...event, from, points: event.points.filter(([it]) => it >= from) };
            marks.lossesTo = event.to;
          }
          break;
        case "weights":
          if (event.epoch > marks.weightsEpoch) {
            yield event;
            marks.weightsEpoch = event.epoch;
          }
          break;
        case "test":
          if (event.testAcc !== marks.testAcc) {
            yield event;
            marks.testAcc = event.testAcc;
          }
          break;
        case "status":
          if (event.status !== marks.status) {
            // Everything written before a status change was committed before it: deliver that first.
            yield* catchUp();
          }
          break;
        case "resync":
          yield* catchUp();
          break;
      }
    }
  } finally {
    await subscription.close();
  }
}
