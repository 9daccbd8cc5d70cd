// Publishing from inside a transaction (Prisma's or sqlTransaction's): NOTIFY is delivered when (and only if) it commits.
import type { SqlTx as Tx } from "@trainql/db";
import { RESYNC } from "./postgresEventTarget.ts";
import { type RunNotification, type RunsChanged, topics } from "./runNotifications.ts";

/** A notification to publish: its topic and its payload (sent as JSON). */
export type Notification = readonly [topic: string, payload: unknown];

/**
 * Publishes the notifications, in order, in one statement. One: each statement is a round trip to
 * PostgreSQL, and in a trainer every round trip waits for the training loop's next turn of the
 * event loop, so an epoch's three or four notifications, one statement each, delayed its commit by
 * as many iterations. A row each, not a column each: a select list holds at most 1,664 entries, and
 * deleting a sweep of 1,000 trials announces 2,001.
 */
export async function publish(tx: Tx, ...notifications: Notification[]): Promise<void> {
  if (notifications.length === 0) return;
  const topics = notifications.map(([topic]) => topic);
  const payloads = notifications.map(([, payload]) => JSON.stringify(payload));
  // $executeRaw, not $queryRaw: pg_notify returns `void`, a column type Prisma cannot read back.
  await tx.$executeRaw`SELECT pg_notify(n.topic, n.payload)
    FROM unnest(${topics}::text[], ${payloads}::text[]) WITH ORDINALITY AS n(topic, payload, i) ORDER BY n.i`;
}

/** A run's event, and with `listChanged` the runs list's notice that the run changed. */
export const runNotifications = (event: RunNotification, listChanged = false): Notification[] => [
  [topics.run(event.runId), event],
  ...(listChanged ? [runsChanged({ runId: event.runId, kind: "updated" })] : []),
];

export const runsChanged = (change: RunsChanged): Notification => [topics.runs, change];

/** A run's subscribers re-read it from the database: for what no event carries (the run deleted). */
export const rereadRun = (runId: string): Notification => [topics.run(runId), RESYNC];

/** A run's owner is asked to stop it (it also reads the flag with its next heartbeat). */
export const cancelRequested = (runId: string): Notification => [topics.cancel, { runId }];

/** A sweep or one of its trials changed; subscribers re-read it. */
export const sweepChanged = (sweepId: string): Notification => [topics.sweep(sweepId), { sweepId }];

/** A sweep was deleted: its subscribers' streams end. */
export const sweepDeleted = (sweepId: string): Notification => [topics.sweep(sweepId), { sweepId, deleted: true }];

export const publishRunNotification = (tx: Tx, event: RunNotification, listChanged = false) =>
  publish(tx, ...runNotifications(event, listChanged));

export const publishRunsChanged = (tx: Tx, change: RunsChanged) => publish(tx, runsChanged(change));

export const publishSweepChanged = (tx: Tx, sweepId: string) => publish(tx, sweepChanged(sweepId));
