// The shapes of sweeps as the dashboard reads them.
import { SPACE_FIELDS } from "@trainql/nn/sweepRules";
import { HYPERPARAMETER_LABELS, type Hyperparameters, type RunStatus } from "./types";

export type Strategy = "GRID" | "RANDOM" | "SUCCESSIVE_HALVING";
export const STRATEGY_LABELS: Record<Strategy, string> = {
  GRID: "Grid",
  RANDOM: "Random",
  SUCCESSIVE_HALVING: "Successive halving",
};

export interface SweepTrial {
  id: string;
  uuid: string;
  status: RunStatus;
  iteration: number;
  finalValAcc: number | null;
  bestValAcc: number | null;
  testAcc: number | null;
  weightsImageUrl: string | null;
  hyperparameters: Hyperparameters;
}

export interface SweepView {
  id: string;
  uuid: string;
  status: RunStatus;
  strategy: Strategy;
  numIters: number;
  batchSize: number;
  eta: number;
  maxTrials: number | null;
  rung: number;
  rungs: { rung: number; budget: number; trials: number }[];
  itersSpent: number;
  plannedIters: number;
  gridIters: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  bestRun: SweepTrial | null;
  trials: SweepTrial[];
}

const TRIAL = `id uuid status iteration finalValAcc bestValAcc testAcc weightsImageUrl
  hyperparameters { hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed }`;

export const SWEEP_FIELDS = `id uuid status strategy numIters batchSize eta maxTrials rung rungs { rung budget trials }
  itersSpent plannedIters gridIters error createdAt finishedAt bestRun { ${TRIAL} } trials { ${TRIAL} }`;

/** The knobs a sweep searches, as (field of a trial, label). */
export const SEARCHED = Object.values(SPACE_FIELDS).map((key) => ({ key, label: HYPERPARAMETER_LABELS[key] }));
