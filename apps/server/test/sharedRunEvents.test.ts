// The shared stream's hand-out (issue 15), and a slow member's seat, without a database: a cursor
// that yields given events and members that never read, so that what each inbox was handed, and when,
// can be looked at directly. Through the real API (PostgreSQL, graphql-ws, a trainer) the same stream
// is in fanout.test.ts.
import type { RunPubSub } from "@trainql/runs";
import { describe, expect, it } from "vitest";
import { type DeliveredEvent, RunEventCursor, START, type StreamEvent } from "../src/fanout/runEventStream.ts";
import { seat } from "../src/fanout/seat.ts";
import {
  ALONE_INTERVAL_MS,
  FANOUT_SLICE,
  Inbox,
  MAX_BACKLOG,
  type SharedItem,
  SharedRunEvents,
} from "../src/fanout/sharedRunEvents.ts";

const epoch = (k: number): StreamEvent => ({
  type: "epoch",
  runId: "run",
  epoch: {
    epoch: k,
    iteration: 10 * (k + 1),
    loss: 1,
    trainAcc: 0.5,
    valAcc: 0.5,
    learningRate: 0.1,
    elapsedMs: 1,
    recordedAt: new Date(0).toISOString(),
  },
});

const losses = (from: number, to: number): StreamEvent => ({
  type: "losses",
  runId: "run",
  from,
  to,
  points: [[from, 1]],
});
const weights = (k: number): StreamEvent => ({ type: "weights", runId: "run", epoch: k });

/** Waits this long before the events that follow, when given in a stream's events. */
type Pause = { pauseMs: number };

/**
 * A stream over `events` (each yielded as soon as asked, after any pause before it), with `members`
 * inboxes that never take anything.
 */
function stream(events: (StreamEvent | Pause)[], members: number, onExecute: (event: StreamEvent) => void = () => {}) {
  const cursor = {
    runId: "run",
    marks: { ...START },
    ending: "now",
    async *followFrom() {
      for (const event of events)
        if ("pauseMs" in event) await new Promise((resolve) => setTimeout(resolve, event.pauseMs));
        else yield event;
    },
  } as unknown as RunEventCursor;
  const pubsub = { listen: async () => (async function* () {})() } as unknown as RunPubSub;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const shared = new SharedRunEvents(
    pubsub,
    cursor,
    (event) => {
      onExecute(event);
      return { data: { type: event.type } };
    },
    () => stopped(),
  );
  const inboxes = Array.from({ length: members }, () => shared.join());
  // The members' ends arrive once the last event is handed out.
  const ended = done.then(() => Promise.all(inboxes.map((inbox) => inbox.ready())));
  return { inboxes, ended };
}

const epochsIn = (inbox: Inbox) =>
  inbox.items.map((item: SharedItem) => (item.event.type === "epoch" ? item.event.epoch.epoch : -1));
/** What an inbox was handed, in order, in short: "e0" (epoch 0), "l0-20" (losses), "w0" (image). */
const handed = (inbox: Inbox) =>
  inbox.items.map(({ event: e }) => {
    if (e.type === "epoch") return `e${e.epoch.epoch}`;
    if (e.type === "losses") return `l${e.from}-${e.to}`;
    return e.type === "weights" ? `w${e.epoch}` : e.type;
  });

describe("handing an event to the members of a shared stream", () => {
  it("hands it out in slices of FANOUT_SLICE members, letting the event loop turn between slices", async () => {
    const members = 2 * FANOUT_SLICE + 50;
    let inboxes: Inbox[] = [];
    const handedAtFirstTurn: number[] = [];
    const s = stream([epoch(0), epoch(1)], members, () => {
      // Runs at the loop's next turn: what other work (a query) would see while the event goes out.
      setImmediate(() => handedAtFirstTurn.push(inboxes.filter((inbox) => inbox.items.length > 0).length));
    });
    inboxes = s.inboxes;
    await s.ended;
    // The first turn came after one slice, not after all the members.
    expect(handedAtFirstTurn[0]).toBe(FANOUT_SLICE);
    for (const inbox of inboxes) expect(epochsIn(inbox)).toEqual([0, 1]);
  });

  it("gives a member that leaves in the middle of a hand-out nothing more, and the others everything", async () => {
    const members = 2 * FANOUT_SLICE;
    let inboxes: Inbox[] = [];
    const s = stream([epoch(0), epoch(1)], members, (event) => {
      // Leaves after the first slice of epoch 0 was handed out, before its own turn came.
      if (event.type === "epoch" && event.epoch.epoch === 0) setImmediate(() => inboxes[members - 1]!.leave());
    });
    inboxes = s.inboxes;
    await s.ended;
    expect(inboxes[members - 1]!.items).toEqual([]);
    for (const inbox of inboxes.slice(0, -1)) expect(epochsIn(inbox)).toEqual([0, 1]);
  });

  it("drops a slow member's backlog past MAX_BACKLOG items, so that it reads the database instead", async () => {
    const { inboxes, ended } = stream(
      Array.from({ length: MAX_BACKLOG + 5 }, (_, k) => epoch(k)),
      2,
    );
    await ended;
    for (const inbox of inboxes) {
      expect(inbox.overflowed).toBe(true);
      // What came after the drop, from MAX_BACKLOG on; the rest is the member's catch-up.
      expect(epochsIn(inbox)).toEqual(Array.from({ length: 5 }, (_, k) => MAX_BACKLOG + k));
    }
  });

  it("hands loss batches and images out with the next epoch, all in one turn of the event loop", async () => {
    // As a trainer with an epoch every 0.6 s sends them: a loss batch a second, an epoch with the
    // losses up to it announced just ahead of it, its image in the next commit.
    const { inboxes, ended } = stream(
      [
        losses(0, 10),
        losses(10, 20),
        epoch(0),
        weights(0),
        { pauseMs: 600 },
        losses(20, 30),
        epoch(1),
        weights(1),
        { pauseMs: 600 },
        losses(30, 40),
        epoch(2),
        weights(2),
        { pauseMs: 100 },
      ],
      1,
    );
    // What the member holds at every turn of the loop: a hand-out arrives whole or not at all.
    const counts = new Set<number>();
    let done = false;
    const watch = () => {
      counts.add(inboxes[0]!.items.length);
      if (!done) setImmediate(watch);
    };
    watch();
    await ended;
    done = true;
    counts.add(inboxes[0]!.items.length);
    // Each epoch with the losses held before it (merged) and the previous epoch's image; the last
    // image, with no epoch after it, once the stream ends.
    expect(handed(inboxes[0]!)).toEqual(["l0-20", "e0", "l20-30", "w0", "e1", "l30-40", "w1", "e2", "w2"]);
    expect([...counts]).toEqual([0, 2, 5, 8, 9]);
  });

  it("hands held items out on their own when no epoch comes for ALONE_INTERVAL_MS, and ahead of a status", async () => {
    const { inboxes, ended } = stream(
      [
        losses(0, 10),
        { pauseMs: ALONE_INTERVAL_MS + 200 },
        losses(10, 20),
        weights(0),
        { type: "status", runId: "run", status: "SUCCEEDED" },
      ],
      1,
    );
    await ended;
    expect(handed(inboxes[0]!)).toEqual(["l0-10", "l10-20", "w0", "status"]);
  });
});

describe("a member that does not keep up", () => {
  it("finds its waiting loss batches merged into one event, and takes the next epoch as it was shared", async () => {
    // A cursor that has caught up (nothing stored past START), then items queued in its inbox.
    const cursor = new RunEventCursor({} as never, "run");
    cursor.catchUp = async function* () {};
    const inbox = new Inbox(() => {});
    let marks = { ...START };
    const queue = (event: StreamEvent, to: Partial<typeof marks>) => {
      const after = { ...marks, ...to };
      inbox.push({
        event: { ...event, cursor: "" },
        before: marks,
        after,
        ending: null,
        result: { data: { shared: true } },
      });
      marks = after;
    };
    queue(losses(0, 10), { lossesTo: 10 });
    queue(losses(10, 20), { lossesTo: 20 });
    queue(losses(20, 30), { lossesTo: 30 });
    queue(epoch(0), { epoch: 0 });
    const counters = { ownExecutions: 0, coalescedBatches: 0, directDeliveries: 0 };
    const executedOwn: DeliveredEvent[] = [];
    const results = seat(
      inbox,
      cursor,
      {} as never,
      (event) => {
        executedOwn.push(event);
        return { data: { own: true } };
      },
      counters,
    );

    expect((await results.next()).value).toEqual({ data: { own: true } });
    expect(executedOwn).toMatchObject([{ type: "losses", from: 0, to: 30 }]);
    expect(counters.coalescedBatches).toBe(2);
    expect((await results.next()).value).toEqual({ data: { shared: true } }); // the epoch, as shared
    expect(cursor.marks).toEqual({ ...START, lossesTo: 30, epoch: 0 });
    inbox.leave();
    expect((await results.next()).done).toBe(true);
  });
});
