// Publishing from inside a Prisma transaction: NOTIFY is delivered when (and only if) it commits.
import type { Prisma } from "@trainql/db";
import { type RunNotification, type RunsChanged, topics } from "./runNotifications.ts";

type Tx = Pick<Prisma.TransactionClient, "$executeRaw">;

export async function publish(tx: Tx, topic: string, payload: unknown): Promise<void> {
  // $executeRaw, not $queryRaw: pg_notify returns `void`, a column type Prisma cannot read back.
  await tx.$executeRaw`SELECT pg_notify(${topic}, ${JSON.stringify(payload)})`;
}

export async function publishRunNotification(tx: Tx, event: RunNotification, listChanged = false) {
  await publish(tx, topics.run(event.runId), event);
  if (listChanged) await publishRunsChanged(tx, { runId: event.runId, kind: "updated" });
}

export async function publishRunsChanged(tx: Tx, change: RunsChanged) {
  await publish(tx, topics.runs, change);
}

/** A sweep or one of its trials changed; subscribers re-read it. */
export async function publishSweepChanged(tx: Tx, sweepId: string) {
  await publish(tx, topics.sweep(sweepId), { sweepId });
}
