// The shapes the dashboard reads from the API, as fragments of apps/server/schema.graphql: their
// types come from the schema (gql.tada), so a renamed field fails the typecheck here, not at runtime.
import { graphql, type ResultOf, type RunStatus } from "@trainql/graphql";
import type { Hyperparameters } from "@trainql/nn/hyperparameters";

export type { RunStatus };

// Listed by hand for the filter menu (no runtime copy of the schema ships to the browser); the
// Record makes a status added to the schema fail the typecheck until it is listed here too.
const STATUS_ORDER: Record<RunStatus, true> = {
  QUEUED: true,
  RUNNING: true,
  PAUSED: true,
  SUCCEEDED: true,
  FAILED: true,
  CANCELLED: true,
  STOPPED: true,
};
export const RUN_STATUSES = Object.keys(STATUS_ORDER) as RunStatus[];
export { isFinished, isLive, isTraining } from "@trainql/runs/runStatus";

export type { Hyperparameters };

// Unmasked: these two are shared selections that many components read, not one component's data.
export const HyperparametersFields = graphql(`
  fragment HyperparametersFields on Hyperparameters @_unmask {
    hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed
  }
`);

export const EpochFields = graphql(`
  fragment EpochFields on Epoch @_unmask { epoch iteration loss trainAcc valAcc learningRate elapsedMs }
`);
export type Epoch = ResultOf<typeof EpochFields>;

/** A run as the list, its page and the comparison show it; read it with readFragment. */
export const RunSummaryFragment = graphql(
  `
  fragment RunSummary on Run {
    id uuid
    name # what its starter called it (the Experiments page names each run after its study)
    tags
    status progress iteration createdAt startedAt finishedAt bestValAcc finalValAcc testAcc testError error divergedAtIteration forkedAtEpoch
    backend device weightsImageUrl weightsEpoch
    sweepId # the sweep this run is a trial of
    group { uuid } # the seed group it is a member of
    hyperparameters { ...HyperparametersFields }
  }
`,
  [HyperparametersFields],
);
export type RunSummary = ResultOf<typeof RunSummaryFragment>;

export { HYPERPARAMETER_LABELS } from "@trainql/nn/hyperparameters";

export const percent = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : `${(x * 100).toFixed(2)}%`;
