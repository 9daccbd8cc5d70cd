// A run's live state, folded from runEvents. After a reconnect the client resumes after the last
// event's cursor (urqlClient.ts), so nothing repeats; the fold stays idempotent all the same, since a
// page that subscribes again (after asking for a test evaluation) gets the stored events again.
import { graphql, type ResultOf } from "@trainql/graphql";
import { type Epoch, EpochFields, type RunStatus } from "./types";

export const RUN_EVENTS = graphql(
  `
  subscription RunEvents($runId: ID!) {
    runEvents(runId: $runId) {
      __typename
      cursor
      ... on RunStatusEvent { status run { iteration progress error divergedAtIteration finalValAcc bestValAcc startedAt finishedAt backend device } }
      ... on RunEpochEvent { epoch { ...EpochFields } }
      ... on RunLossesEvent { fromIteration toIteration points { iteration loss } }
      ... on RunWeightsEvent { atEpoch url }
      ... on RunTestEvent { testAcc }
    }
  }
`,
  [EpochFields],
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
}

export const emptyLiveRun: LiveRun = { epochs: [], losses: [], lossesTo: 0 };

/** More points than a chart needs: thin the older half. */
const MAX_POINTS = 4000;

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
    case "RunLossesEvent": {
      // Replace whatever we had from fromIteration on: a replay after reconnect starts at 0.
      let losses = state.losses.filter(([it]) => it < event.fromIteration);
      losses = losses.concat(event.points.map((p): [number, number] => [p.iteration, p.loss]));
      if (losses.length > MAX_POINTS) {
        const half = Math.floor(losses.length / 2);
        losses = losses
          .slice(0, half)
          .filter((_, i) => i % 2 === 0)
          .concat(losses.slice(half));
      }
      return { ...state, losses, lossesTo: event.toIteration };
    }
    case "RunWeightsEvent":
      return { ...state, weightsUrl: event.url, weightsEpoch: event.atEpoch };
    case "RunTestEvent":
      return { ...state, testAcc: event.testAcc };
  }
}
