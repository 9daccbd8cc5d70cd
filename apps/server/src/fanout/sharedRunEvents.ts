// One run's events executed once for every subscriber with the same document and variables: one
// LISTEN-fed stream (a RunEventCursor from the start of the run), one GraphQL execution per event,
// and one result object handed to every member's inbox. What each member does with the items (its
// own catch-up first, then the shared ones once it stands where they start) is in seat.ts.

import type { RunPubSub } from "@trainql/runs";
import type { ExecutionResult } from "graphql";
import type { DeliveredEvent, Marks, RunEventCursor } from "../schema/runEventStream.ts";

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
  /** GraphQL executions of shared events (one per event, whatever the number of members). */
  executions = 0;

  constructor(
    private readonly pubsub: RunPubSub,
    private readonly cursor: RunEventCursor,
    private readonly execute: ExecuteEvent,
    /** Called once the stream is over or has no member left: the registry forgets it. */
    private readonly onStop: () => void,
  ) {}

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
      let before: Marks = { ...this.cursor.marks };
      for await (const event of this.cursor.followFrom(notifications)) {
        this.executions++;
        const result = await this.execute(event);
        const item: SharedItem = { event, before, after: { ...this.cursor.marks }, ending: this.cursor.ending, result };
        before = item.after;
        for (const inbox of this.inboxes) inbox.push(item);
      }
      end = { marks: { ...this.cursor.marks }, ending: this.cursor.ending };
    } catch (error) {
      end = { error };
    }
    this.stop();
    for (const inbox of this.inboxes) inbox.close(end);
    this.inboxes.clear();
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
