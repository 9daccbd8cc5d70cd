// The shapes the dashboard reads from the API (see apps/server/schema.graphql).
export type RunStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "STOPPED";
export const RUN_STATUSES: RunStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "STOPPED"];
/** Ended for good (a STOPPED sweep trial may still be promoted). */
export const isFinished = (s: RunStatus) => s === "SUCCEEDED" || s === "FAILED" || s === "CANCELLED";

export interface Hyperparameters {
  hiddenSize: number;
  learningRate: number;
  learningRateDecay: number;
  reg: number;
  batchSize: number;
  numIters: number;
  weightScale: number;
  seed: number;
}

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
  hyperparameters: Hyperparameters;
}

export const RUN_SUMMARY_FIELDS = `
  id uuid status progress iteration createdAt startedAt finishedAt bestValAcc finalValAcc testAcc error
  backend device weightsImageUrl
  hyperparameters { hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed }`;

export const HYPERPARAMETER_LABELS: Record<keyof Hyperparameters, string> = {
  hiddenSize: "Hidden size",
  learningRate: "Learning rate",
  learningRateDecay: "LR decay",
  reg: "Regularization",
  batchSize: "Batch size",
  numIters: "Iterations",
  weightScale: "Weight scale",
  seed: "Seed",
};

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
