// One run's events executed once for every subscriber with the same document and variables: one
// LISTEN-fed stream (a RunEventCursor from the start of the run), one GraphQL execution per event,
// and one result object handed to every member's inbox. What each member does with the items (its
// own catch-up first, then the shared ones once it stands where they start) is in seat.ts.
//
// Rates: epochs, test results and statuses go out at once. Loss batches and weights images are held
// and go out at most once per HELD_INTERVAL_MS (1 s): the trainer writes losses about once a second,
// but also at every epoch, with a new weights image, so a run with several epochs a second would
// otherwise send a loss batch and an image per epoch — faster than a person can read a curve or see
// an image change. Held loss batches are merged (contiguous ranges, points thinned to LOSS_SAMPLES,
// each bucket's min and max kept), a newer weights image replaces an older one. They go out right
// behind an epoch they came with (WITH_EPOCH_MS), else once ALONE_INTERVAL_MS (2 s) has passed, and
// always before a status or test event (those promise that everything before them was delivered).
// Handing them out never delays an epoch this way: while epochs come faster than every 2 s, the
// hand-outs of losses and images happen just after one epoch, not just before the next.
//
// An event is handed to the members in slices (FANOUT_SLICE), so that queries are served in between.

import { setImmediate } from "node:timers/promises";
import { LOSS_SAMPLES, minMaxDownsample, type RunPubSub } from "@trainql/runs";
import type { ExecutionResult } from "graphql";
import {
  type DeliveredEvent,
  encodeCursor,
  type Marks,
  type RunEventCursor,
  type StreamEvent,
} from "../schema/runEventStream.ts";

/** At most one loss batch and one weights image a second per run: the trainer's own loss interval. */
export const HELD_INTERVAL_MS = 1000;

/**
 * Loss batches and images that arrive within this long after an epoch was handed out came with it:
 * they go out right behind it. (The trainer commits an epoch's losses with it, announced after it,
 * and its weights image in the next commit.)
 */
export const WITH_EPOCH_MS = 100;

/**
 * How long a flush behind an epoch waits for more of what came with it. The rest of one commit's
 * notifications arrive within this; the epoch's image, committed after it, usually does not, and
 * then rides behind the next epoch (or goes out after ALONE_INTERVAL_MS).
 */
const SAME_COMMIT_MS = 10;

/**
 * Between epochs, held loss batches go out once this long has passed since the last flush, not after
 * HELD_INTERVAL_MS: while epochs come faster than this, loss batches and images ride behind them, and
 * their hand-outs never sit in front of an epoch, which would wait for them (some 100 ms each with
 * 2,000 subscribers). Without epochs a person still sees the loss curve move every 2 s.
 */
export const ALONE_INTERVAL_MS = 2 * HELD_INTERVAL_MS;

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
  private wake: (() => void) | null = null;

  constructor(private readonly onLeave: (inbox: Inbox) => void) {}

  push(item: SharedItem): void {
    if (this.left) return;
    if (this.items.length >= MAX_BACKLOG) {
      this.items.length = 0;
      this.overflowed = true;
    }
    this.items.push(item);
    this.notify();
  }

  close(end: SharedEnd): void {
    this.end = end;
    this.notify();
  }

  /** The member is gone: stop receiving, and wake a pending wait so that its stream can end. */
  leave(): void {
    if (this.left) return;
    this.left = true;
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
  /** Loss batches not sent yet (see HELD_INTERVAL_MS), merged into one; the newest unsent weights. */
  private heldLosses: Extract<StreamEvent, { type: "losses" }> | null = null;
  private heldWeights: Extract<StreamEvent, { type: "weights" }> | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private heldFlushAt = Number.POSITIVE_INFINITY;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** When the last epoch was handed out: loss batches and images that follow it go right behind it. */
  private lastEpochAt = Number.NEGATIVE_INFINITY;
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
          const now = performance.now();
          const cameWithEpoch = now - this.lastEpochAt <= WITH_EPOCH_MS;
          if (cameWithEpoch && now - this.lastFlushAt >= HELD_INTERVAL_MS) this.flushHeldIn(SAME_COMMIT_MS);
          else this.flushHeldIn(this.lastFlushAt + ALONE_INTERVAL_MS - now);
          continue;
        }
        await this.serially(async () => {
          if (event.type === "status" || event.type === "test") await this.flushHeld();
          await this.emit(event);
          if (event.type === "epoch") this.lastEpochAt = performance.now();
        });
      }
      await this.serially(() => this.flushHeld());
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

  /** Flushes the held items `delay` ms from now, or sooner if a flush is set for sooner already. */
  private flushHeldIn(delay: number): void {
    const at = performance.now() + Math.max(0, delay);
    if (this.heldTimer && this.heldFlushAt <= at) return;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldFlushAt = at;
    // A failed emission fails the chain, and with it the loop's next step: that reports it.
    this.heldTimer = setTimeout(() => void this.serially(() => this.flushHeld()).catch(() => {}), Math.max(0, delay));
  }

  private async flushHeld(): Promise<void> {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.heldFlushAt = Number.POSITIVE_INFINITY;
    const { heldLosses, heldWeights } = this;
    if (!heldLosses && !heldWeights) return;
    this.heldLosses = null;
    this.heldWeights = null;
    this.lastFlushAt = performance.now();
    if (heldLosses) await this.emit(heldLosses);
    if (heldWeights) await this.emit(heldWeights);
  }

  /** Executes an event once and hands the result to every member, with marks in emission order. */
  private async emit(event: StreamEvent): Promise<void> {
    const before = this.emitted;
    const after = { ...before };
    if (event.type === "losses") after.lossesTo = event.to;
    else if (event.type === "epoch") after.epoch = event.epoch.epoch;
    else if (event.type === "weights") after.weightsEpoch = event.epoch;
    else if (event.type === "test") after.testAcc = event.testAcc;
    else after.status = event.status;
    this.emitted = after;
    // The cursor is where the members stand after it, which a held loss batch may leave behind the
    // shared cursor's own marks.
    const delivered: DeliveredEvent = { ...event, cursor: encodeCursor(after) };
    this.executions++;
    const result = await this.execute(delivered);
    const item: SharedItem = { event: delivered, before, after, ending: this.cursor.ending, result };
    // Handed out in slices, with a turn of the event loop between them: each member's send runs in
    // the microtasks its push starts, so handing an event to 2,000 members at once held the loop for
    // 100–300 ms (every socket write is a system call), and every query arriving meanwhile waited.
    let handed = 0;
    for (const inbox of [...this.inboxes]) {
      inbox.push(item);
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
