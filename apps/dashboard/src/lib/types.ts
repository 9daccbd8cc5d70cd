// The shapes the dashboard reads from the API (see apps/server/schema.graphql).
import type { Hyperparameters } from "@trainql/nn/hyperparameters";

export type RunStatus = "QUEUED" | "RUNNING" | "PAUSED" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "STOPPED";
export const RUN_STATUSES: RunStatus[] = ["QUEUED", "RUNNING", "PAUSED", "SUCCEEDED", "FAILED", "CANCELLED", "STOPPED"];
/** Ended for good. A PAUSED sweep trial waits for its rung and may train on; a STOPPED one never will. */
export const isFinished = (s: RunStatus) => s === "SUCCEEDED" || s === "FAILED" || s === "CANCELLED" || s === "STOPPED";
/** Can still change: queued, training, or waiting for its sweep's rung. */
export const isLive = (s: RunStatus) => !isFinished(s);

export type { Hyperparameters };

export interface Epoch {
  epoch: number;
  iteration: number;
  loss: number;
  trainAcc: number;
  valAcc: number;
  learningRate: number;
  elapsedMs: number;
}

export interface RunSummary {
  id: string;
  uuid: string;
  /** What its starter called it (the Experiments page names each run after its study). */
  name: string | null;
  status: RunStatus;
  progress: number;
  iteration: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  bestValAcc: number | null;
  finalValAcc: number | null;
  testAcc: number | null;
  error: string | null;
  backend: string | null;
  device: string | null;
  weightsImageUrl: string | null;
  /** The sweep this run is a trial of. */
  sweepId: string | null;
  hyperparameters: Hyperparameters;
}

export const RUN_SUMMARY_FIELDS = `
  id uuid name status progress iteration createdAt startedAt finishedAt bestValAcc finalValAcc testAcc error
  backend device weightsImageUrl sweepId
  hyperparameters { hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed }`;

export { HYPERPARAMETER_LABELS } from "@trainql/nn/hyperparameters";

export const percent = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : `${(x * 100).toFixed(2)}%`;

/** The backend of the live trainer (the API's `backend` query). */
export interface Backend {
  name: string;
  device: string;
  warnings: string[];
}

export interface Dataset {
  available: boolean;
  directory: string | null;
  /** Where to put the files and how to get them, when they are missing. */
  howToGet: string | null;
}
