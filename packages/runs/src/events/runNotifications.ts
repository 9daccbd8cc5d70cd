// What API and trainers announce about runs over PostgreSQL NOTIFY (the GraphQL RunEvent stream is
// built from these). Payloads are small (ids and numbers): PostgreSQL NOTIFY carries
// at most 8,000 bytes, and the database, not the notification, is the record.

import type { RunStatus } from "@trainql/db";
import type { EpochMetrics } from "@trainql/nn";
import { minMaxDownsampleValues } from "../minMaxDownsample.ts";
import type { Resync } from "./postgresEventTarget.ts";

export type RunNotification =
  | { type: "status"; runId: string; status: RunStatus }
  /** recordedAt: when the trainer wrote it (ISO 8601). */
  | { type: "epoch"; runId: string; epoch: EpochMetrics & { recordedAt: string } }
  /** Losses of iterations [from, to), sampled to at most LOSS_SAMPLES points (sampleLosses). */
  | { type: "losses"; runId: string; from: number; to: number; points: [iteration: number, loss: number][] }
  | { type: "weights"; runId: string; epoch: number }
  | { type: "test"; runId: string; testAcc: number }
  /** The evaluation on the test set gave no accuracy: why (the run's testError). */
  | { type: "testFailed"; runId: string; error: string };

export const LOSS_SAMPLES = 100;

export const topics = {
  run: (runId: string) => `trainql:run:${runId}`,
  /** Any run created, deleted, or changed in status or progress (for list pages). */
  runs: "trainql:runs",
  /** Ask whichever trainer runs it to stop a run. */
  cancel: "trainql:cancel",
  /** Something about a sweep or one of its trials changed. */
  sweep: (sweepId: string) => `trainql:sweep:${sweepId}`,
} as const;

/** A sweep or one of its trials changed (subscribers read it again), or it was deleted. */
export interface SweepChange {
  sweepId: string;
  deleted?: true;
}

export interface RunsChanged {
  runId: string;
  kind: "created" | "updated" | "deleted";
}

/**
 * The same topics as yoga's createPubSub sees them: routing key (the topic without its id), then
 * the id if the topic has one, then the payload. A listener may also get RESYNC (see
 * postgresEventTarget.ts) after missing notifications.
 */
export type RunTopics = {
  "trainql:run": [runId: string, notification: RunNotification | Resync];
  "trainql:runs": [change: RunsChanged | Resync];
  "trainql:cancel": [request: { runId: string } | Resync];
  "trainql:sweep": [sweepId: string, change: SweepChange | Resync];
};

/** At most `max` [iteration, loss] points of losses[i] (iteration from + i): each bucket's min and max, and the last. */
export function sampleLosses(from: number, losses: ArrayLike<number>, max = LOSS_SAMPLES): [number, number][] {
  return minMaxDownsampleValues(from, losses, max);
}
