// One subscriber served from a shared stream (sharedRunEvents.ts), with the guarantees of its own:
// stored events first, then live ones, no gap, no duplicate, from its own `after` cursor.
//
// It joins the shared stream first (so it receives every item delivered from then on), then catches
// up from the database by itself, executing those events for itself. From there, each shared item is
// taken as it is, result included, when the subscriber's marks are exactly the item's `before`
// marks: then the item's event is precisely what its own stream would deliver next. Otherwise (it
// read the database a little ahead of the shared stream, or the item was dropped from its backlog)
// the item goes through the subscriber's own cursor like a live notification would: skipped where
// already delivered, trimmed, or a database catch-up, executed for this subscriber alone. Either way
// its marks move to the item's `after` marks, so it is in step again from the next item on.
//
// Coalescing: the shared stream sends loss batches with epochs or at most every 2 s per run (each
// sampled to at most LOSS_SAMPLES points) and each epoch at once (sharedRunEvents.ts), which is the
// rate a person can follow, so a subscriber that keeps up gets every shared item unchanged. A subscriber
// that does not (its socket's sends are slower than events arrive) finds several items waiting: runs
// of consecutive loss batches are then merged into one event (its points thinned to LOSS_SAMPLES, each bucket's min and max kept)
// instead of being queued and sent one by one; epochs, weights, test and status are never merged.

import { LOSS_SAMPLES, minMaxDownsample, type RunPubSub } from "@trainql/runs";
import type { ExecutionResult } from "graphql";
import { type SubscriberConnection, sendDirectly } from "./directDelivery.ts";
import { type DeliveredEvent, encodeCursor, type RunEventCursor } from "./runEventStream.ts";
import type { ExecuteEvent, Inbox, SharedItem } from "./sharedRunEvents.ts";

export interface SeatCounters {
  /** Events executed for one subscriber only (its catch-up, or items it was not in step for). */
  ownExecutions: number;
  /** Loss batches merged into another because a subscriber had a backlog. */
  coalescedBatches: number;
  /** Shared results written straight to a subscriber's socket (directDelivery.ts), not through graphql-ws. */
  directDeliveries: number;
}

/** The loss batches at the head of the inbox, when there are two or more in a row, merged into one. */
function coalescedLosses(items: SharedItem[]): { event: DeliveredEvent; last: SharedItem; count: number } | null {
  let count = 0;
  const points: [number, number][] = [];
  for (const item of items) {
    const e = item.event;
    const previous = items[count - 1]?.event;
    if (e.type !== "losses" || (previous?.type === "losses" && previous.to !== e.from)) break;
    points.push(...e.points);
    count++;
  }
  const first = items[0]?.event;
  const last = items[count - 1];
  if (count < 2 || first?.type !== "losses" || last?.event.type !== "losses") return null;
  const event: DeliveredEvent = {
    type: "losses",
    runId: first.runId,
    from: first.from,
    to: last.event.to,
    points: minMaxDownsample(points, LOSS_SAMPLES),
    cursor: encodeCursor(first.runId, last.after),
  };
  return { event, last, count };
}

/**
 * The subscriber's results: its own catch-up, then the shared stream's, as described above. With its
 * graphql-ws `connection`, shared items it is in step for skip the generator: while it waits, with
 * everything it yielded already sent, they are written to the socket directly (directDelivery.ts).
 */
export async function* seat(
  inbox: Inbox,
  cursor: RunEventCursor,
  pubsub: RunPubSub,
  executeOwn: ExecuteEvent,
  counters: SeatCounters,
  connection: SubscriberConnection | null = null,
): AsyncGenerator<ExecutionResult> {
  // The item that ends the stream goes through graphql-ws, which completes the operation after it.
  const takeDirectly =
    connection &&
    ((item: SharedItem) => {
      if (item.ending !== null || !cursor.at(item.before) || !sendDirectly(connection, item.result)) return false;
      cursor.moveTo(item.after, item.ending);
      counters.directDeliveries++;
      return true;
    });
  const own = async function* (events: AsyncIterable<DeliveredEvent>) {
    for await (const event of events) {
      counters.ownExecutions++;
      yield await executeOwn(event);
    }
  };
  try {
    yield* own(cursor.catchUp());
    while (!cursor.ended) {
      // A generator runs only when graphql-ws asks for the next result, after sending the last one.
      if (takeDirectly && !inbox.items.length) inbox.direct = takeDirectly;
      await inbox.ready();
      inbox.direct = null;
      if (inbox.left) return;
      if (inbox.overflowed) {
        inbox.overflowed = false;
        yield* own(cursor.catchUp());
        continue;
      }
      const head = inbox.items[0];
      if (!head) {
        const end = inbox.end;
        // Where the shared stream ended the run, this subscriber's stream ends too; anywhere else
        // (it failed, or stopped) the subscriber goes on by itself.
        if (end && "marks" in end && cursor.at(end.marks)) cursor.moveTo(end.marks, end.ending);
        if (!cursor.ended) yield* own(cursor.follow(pubsub));
        return;
      }
      const merged = cursor.at(head.before) ? coalescedLosses(inbox.items) : null;
      if (merged) {
        inbox.items.splice(0, merged.count);
        counters.coalescedBatches += merged.count - 1;
        counters.ownExecutions++;
        cursor.moveTo(merged.last.after, merged.last.ending);
        yield await executeOwn(merged.event);
        continue;
      }
      inbox.items.shift();
      if (cursor.at(head.before)) {
        cursor.moveTo(head.after, head.ending);
        yield head.result;
      } else yield* own(cursor.apply(head.event));
    }
  } finally {
    inbox.leave();
  }
}

/**
 * The seat as graphql-ws iterates it. A generator waiting in `inbox.ready()` would not see a
 * `return()` until it resumed; this one leaves the inbox first, which wakes it up.
 */
export function seatIterator(inbox: Inbox, results: AsyncGenerator<ExecutionResult>): AsyncGenerator<ExecutionResult> {
  const iterator: AsyncGenerator<ExecutionResult> = {
    next: () => results.next(),
    return: (value) => {
      inbox.leave();
      return results.return(value);
    },
    throw: (error) => {
      inbox.leave();
      return results.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
