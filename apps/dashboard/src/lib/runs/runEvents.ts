// A run's live state, folded from runEvents. After a reconnect the client resumes after the last
// event's cursor (urqlClient.ts sets $after, which the document must declare and pass on: else the
// server never sees it and replays the stream from the start), so nothing repeats; the fold stays
// idempotent all the same, since a page that subscribes again (after asking for a test evaluation)
// gets the stored events again.
import { graphql, type ResultOf } from "@trainql/graphql";
import { minMaxDownsample } from "@trainql/runs/minMaxDownsample";
import { TrainedOnFragment } from "@/lib/runs/trainedOn";
import { type Epoch, EpochFields, type RunStatus } from "@/lib/types";

export const RUN_EVENTS = graphql(
  `
  subscription RunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename
      cursor
      ... on RunStatusEvent { status run { iteration progress error divergedAtIteration finalValAcc bestValAcc startedAt finishedAt ...TrainedOn } }
      ... on RunEpochEvent { epoch { ...EpochFields } }
      ... on RunLossesEvent { fromIteration toIteration points { iteration loss } }
      ... on RunWeightsEvent { atEpoch url }
      ... on RunTestEvent { testAcc }
      ... on RunTestFailedEvent { error }
    }
  }
`,
  [EpochFields, TrainedOnFragment],
);

/** One event of a run's stream, as RUN_EVENTS selects it (a union on __typename). */
export type RunEvent = ResultOf<typeof RUN_EVENTS>["runEvents"];

export interface LiveRun {
  status?: RunStatus;
  run?: Extract<RunEvent, { __typename: "RunStatusEvent" }>["run"];
  epochs: Epoch[];
  /** [iteration, loss] pairs, increasing iteration. */
  losses: [number, number][];
  lossesTo: number;
  weightsUrl?: string;
  /** The epoch of the latest weights image. */
  weightsEpoch?: number;
  testAcc?: number;
  /** Why the last evaluation on the test set gave no accuracy. */
  testError?: string;
  /** Failed evaluations heard (the same reason twice is two failures: a page waits for the next). */
  testFailures: number;
}

export const emptyLiveRun: LiveRun = { epochs: [], losses: [], lossesTo: 0, testFailures: 0 };

/** More points than a chart needs: thin the curve to half as many. */
const MAX_POINTS = 4000;

/** `losses` with a RunLossesEvent's points in place of whatever they had from its fromIteration on. */
export function withLosses(
  losses: [number, number][],
  event: { fromIteration: number; points: readonly { iteration: number; loss: number }[] },
): [number, number][] {
  // Replace rather than append: a replay (a page that subscribes again) starts at 0.
  const next = losses
    .filter(([it]) => it < event.fromIteration)
    .concat(event.points.map((p): [number, number] => [p.iteration, p.loss]));
  // Thinned the way the API thins: a spike stays on the chart however long the run.
  return next.length > MAX_POINTS ? minMaxDownsample(next, MAX_POINTS / 2) : next;
}

export function applyRunEvent(state: LiveRun, event: RunEvent): LiveRun {
  switch (event.__typename) {
    case "RunStatusEvent":
      return { ...state, status: event.status, run: event.run };
    case "RunEpochEvent": {
      const epochs = state.epochs.filter((e) => e.epoch !== event.epoch.epoch);
      epochs.push(event.epoch);
      epochs.sort((a, b) => a.epoch - b.epoch);
      return { ...state, epochs };
    }
    case "RunLossesEvent":
      return { ...state, losses: withLosses(state.losses, event), lossesTo: event.toIteration };
    case "RunWeightsEvent":
      return { ...state, weightsUrl: event.url, weightsEpoch: event.atEpoch };
    case "RunTestEvent":
      return { ...state, testAcc: event.testAcc, testError: undefined };
    case "RunTestFailedEvent":
      return { ...state, testError: event.error, testFailures: state.testFailures + 1 };
  }
}
