// One run's events executed once for every subscriber with the same document and variables: one
// LISTEN-fed stream (a RunEventCursor from the start of the run), one GraphQL execution per event,
// and one result object handed to every member's inbox. What each member does with the items (its
// own catch-up first, then the shared ones once it stands where they start) is in seat.ts.
//
// Rates: epochs, test results and statuses go out at once. Loss batches and weights images are held
// and go out with the next of those, in the same hand-out (every member is handed them together, so
// each subscriber's socket gets them in one write, see coalescedSends.ts); without one, once
// ALONE_INTERVAL_MS (2 s) has passed since the last hand-out of held items. Held loss batches are
// merged (contiguous ranges, points thinned to LOSS_SAMPLES, each bucket's min and max kept), a newer
// weights image replaces an older one. The trainer announces an epoch's losses just ahead of it, so
// they ride with it; its weights image, committed after it, rides with the next epoch. Before, losses
// and images went out in hand-outs of their own right behind an epoch: each a write per subscriber,
// about 80 µs each on a slow 2-core VM, so at 2,000 subscribers an epoch's three hand-outs kept the
// API busy for half a second, and the next epoch waited behind them.
//
// A hand-out goes to the members in slices (FANOUT_SLICE), so that queries are served in between. A
// member that waits in step takes it straight to its socket, the result serialized once for all
// (directDelivery.ts); the others find it in their inbox.

import { setImmediate } from "node:timers/promises";
import { LOSS_SAMPLES, minMaxDownsample, type RunPubSub } from "@trainql/runs";
import type { ExecutionResult } from "graphql";
import {
  type DeliveredEvent,
  encodeCursor,
  type Marks,
  type RunEventCursor,
  type StreamEvent,
} from "./runEventStream.ts";

/**
 * Held loss batches and images go out on their own once this long has passed since the last hand-out
 * of held items: with no epoch coming (a slow run), a person still sees the loss curve move every 2 s.
 */
export const ALONE_INTERVAL_MS = 2000;

/** One event of the shared stream: where it starts and leaves the stream, and its executed result. */
export interface SharedItem {
  event: DeliveredEvent;
  /** The marks before the event: a member standing exactly here may take `result` as it is. */
  before: Marks;
  after: Marks;
  /** The shared cursor's `ending` after the event. */
  ending: RunEventCursor["ending"];
  result: ExecutionResult;
}

/** How the shared stream ended: where it stood (a member standing there is done too), or why it failed. */
export type SharedEnd = { marks: Marks; ending: RunEventCursor["ending"] } | { error: unknown };

export type ExecuteEvent = (event: DeliveredEvent) => Promise<ExecutionResult> | ExecutionResult;

/**
 * A slow consumer's queue is bounded: past this many waiting items it is dropped and the member reads
 * the database instead (one catch-up, downsampled), so a stalled socket never holds a run's history
 * in memory. Loss batches arrive about once a second and epochs a few a second at most, so 1,000
 * items are minutes of a consumer not reading.
 */
export const MAX_BACKLOG = 1000;

/**
 * Members handed an event before the loop takes a turn for other work. One member's send costs about
 * 50 µs on a loaded 2-core machine (over loopback, half of it the socket write), so 50 members hold
 * the loop for some 2.5 ms, and a query, which needs a few turns, waits a few of those, not a whole
 * hand-out. Measured with bench:api at 2,000 subscribers, `runs` p99: slices of 50, 30–36 ms; of 75,
 * 43–53 ms; of 100, 39–54 ms; the epoch events' p99 did not depend on it.
 */
export const FANOUT_SLICE = 50;

/** What one member has not taken yet. */
export class Inbox {
  readonly items: SharedItem[] = [];
  end: SharedEnd | null = null;
  /** Items were dropped (see MAX_BACKLOG): catch up from the database before taking more. */
  overflowed = false;
  left = false;
  /**
   * Set by the member's seat while it waits in step with nothing of its own in flight: takes an item
   * straight to the member's socket (directDelivery.ts), or returns false to have it pushed here.
   */
  direct: ((item: SharedItem) => boolean) | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly onLeave: (inbox: Inbox) => void) {}

  push(item: SharedItem): void {
    if (this.left) return;
    // Whatever follows a pushed item is pushed too, behind it.
    this.direct = null;
    if (this.items.length >= MAX_BACKLOG) {
      this.items.length = 0;
      this.overflowed = true;
    }
    this.items.push(item);
    this.notify();
  }

  close(end: SharedEnd): void {
    this.direct = null;
    this.end = end;
    this.notify();
  }

  /** The member is gone: stop receiving, and wake a pending wait so that its stream can end. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    this.direct = null;
    this.items.length = 0;
    this.onLeave(this);
    this.notify();
  }

  /** Resolves once there is an item, an end, an overflow, or the member left. */
  async ready(): Promise<void> {
    while (!this.items.length && !this.end && !this.overflowed && !this.left)
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export class SharedRunEvents {
  private readonly inboxes = new Set<Inbox>();
  private notifications: AsyncGenerator<unknown> | null = null;
  private started = false;
  private stopped = false;
  /** The marks of what was handed to members (behind the cursor while loss batches are held). */
  private emitted: Marks;
  /** Loss batches not sent yet (see the header), merged into one; the newest unsent weights. */
  private heldLosses: Extract<StreamEvent, { type: "losses" }> | null = null;
  private heldWeights: Extract<StreamEvent, { type: "weights" }> | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private heldFlushAt = Number.POSITIVE_INFINITY;
  private lastFlushAt = performance.now();
  /** Emissions one after another: the loop's and the loss timer's. */
  private emitting: Promise<void> = Promise.resolve();
  /** GraphQL executions of shared events (one per event, whatever the number of members). */
  executions = 0;

  constructor(
    private readonly pubsub: RunPubSub,
    private readonly cursor: RunEventCursor,
    private readonly execute: ExecuteEvent,
    /** Called once the stream is over or has no member left: the registry forgets it. */
    private readonly onStop: () => void,
  ) {
    this.emitted = { ...cursor.marks };
  }

  get members(): number {
    return this.inboxes.size;
  }

  /** A new member's inbox: it receives every item delivered from now on, then the end. */
  join(): Inbox {
    const inbox = new Inbox((left) => {
      this.inboxes.delete(left);
      if (this.inboxes.size === 0) this.stop();
    });
    if (this.stopped) inbox.close({ error: new Error("the shared stream is over") });
    else this.inboxes.add(inbox);
    if (!this.started) {
      this.started = true;
      void this.run();
    }
    return inbox;
  }

  private async run(): Promise<void> {
    let end: SharedEnd;
    try {
      const notifications = await this.pubsub.listen("trainql:run", this.cursor.runId);
      this.notifications = notifications;
      if (this.stopped) await notifications.return(undefined);
      for await (const event of this.cursor.followFrom(notifications)) {
        if (event.type === "losses" || event.type === "weights") {
          if (event.type === "losses") this.holdLosses(event);
          else this.heldWeights = event;
          this.flushHeldIn(this.lastFlushAt + ALONE_INTERVAL_MS - performance.now());
          continue;
        }
        // What is held goes in front: a status or test result promises that everything before it
        // was delivered.
        await this.serially(() => this.emit([...this.takeHeld(), event]));
      }
      await this.emitHeld();
      end = { marks: { ...this.emitted }, ending: this.cursor.ending };
    } catch (error) {
      end = { error };
    }
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.stop();
    for (const inbox of this.inboxes) inbox.close(end);
    this.inboxes.clear();
  }

  private serially(step: () => Promise<void>): Promise<void> {
    this.emitting = this.emitting.then(step);
    return this.emitting;
  }

  private holdLosses(event: Extract<StreamEvent, { type: "losses" }>): void {
    const held = this.heldLosses;
    // The cursor only yields batches that continue the previous one, so held ones are contiguous.
    this.heldLosses = held
      ? { ...held, to: event.to, points: minMaxDownsample([...held.points, ...event.points], LOSS_SAMPLES) }
      : event;
  }

  /** Hands the held items out on their own `delay` ms from now, or sooner if set for sooner already. */
  private flushHeldIn(delay: number): void {
    const at = performance.now() + Math.max(0, delay);
    if (this.heldTimer && this.heldFlushAt <= at) return;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldFlushAt = at;
    // A failed emission fails the chain, and with it the loop's next step: that reports it.
    this.heldTimer = setTimeout(() => void this.emitHeld().catch(() => {}), Math.max(0, delay));
  }

  /** Hands out what is held, on its own, after any emission under way. */
  private emitHeld(): Promise<void> {
    return this.serially(() => this.emit(this.takeHeld()));
  }

  /** The held loss batch and image (none, one or both), no longer held. */
  private takeHeld(): StreamEvent[] {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.heldFlushAt = Number.POSITIVE_INFINITY;
    const held: StreamEvent[] = [];
    if (this.heldLosses) held.push(this.heldLosses);
    if (this.heldWeights) held.push(this.heldWeights);
    this.heldLosses = null;
    this.heldWeights = null;
    if (held.length) this.lastFlushAt = performance.now();
    return held;
  }

  /**
   * Executes each event once and hands the results to every member, all of them together, with
   * marks in emission order.
   */
  private async emit(events: StreamEvent[]): Promise<void> {
    if (!events.length) return;
    const items: SharedItem[] = [];
    for (const event of events) {
      const before = this.emitted;
      const after = { ...before };
      if (event.type === "losses") after.lossesTo = event.to;
      else if (event.type === "epoch") after.epoch = event.epoch.epoch;
      else if (event.type === "weights") after.weightsEpoch = event.epoch;
      else if (event.type === "test") after.testAcc = event.testAcc;
      else if (event.type === "testFailed") after.testError = event.error;
      else after.status = event.status;
      this.emitted = after;
      // The cursor is where the members stand after it, which a held loss batch may leave behind
      // the shared cursor's own marks.
      const delivered: DeliveredEvent = { ...event, cursor: encodeCursor(event.runId, after) };
      this.executions++;
      const result = await this.execute(delivered);
      items.push({ event: delivered, before, after, ending: this.cursor.ending, result });
    }
    // Handed out in slices, with a turn of the event loop between them: each member's sends run in
    // the microtasks its pushes start, so handing an event to 2,000 members at once held the loop for
    // 100–300 ms (every socket write is a system call), and every query arriving meanwhile waited.
    let handed = 0;
    for (const inbox of [...this.inboxes]) {
      for (const item of items) if (!inbox.direct?.(item)) inbox.push(item);
      if (++handed % FANOUT_SLICE === 0) await setImmediate();
    }
  }

  /** Stops listening (ending the loop above): the run is over or nobody follows it. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
    // Returning the notifications ends a pending wait for the next one (yoga's pubsub is a Repeater).
    void this.notifications?.return(undefined);
  }
}
