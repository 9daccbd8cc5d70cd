// A run's live state, folded from runEvents. After a reconnect the client resumes after the last
// event's cursor (urqlClient.ts), so nothing repeats; the fold stays idempotent all the same, since a
// page that subscribes again (after asking for a test evaluation) gets the stored events again.
import type { Epoch, RunStatus } from "./types";

export const RUN_EVENTS = `subscription RunEvents($runId: ID!) {
  runEvents(runId: $runId) {
    __typename
    cursor
    ... on RunStatusEvent { status run { iteration progress error finalValAcc bestValAcc startedAt finishedAt backend device } }
    ... on RunEpochEvent { epoch { epoch iteration loss trainAcc valAcc learningRate elapsedMs } }
    ... on RunLossesEvent { fromIteration toIteration points { iteration loss } }
    ... on RunWeightsEvent { atEpoch url }
    ... on RunTestEvent { testAcc }
  }
}`;

export type RunEvent =
  | {
      __typename: "RunStatusEvent";
      status: RunStatus;
      run: {
        iteration: number;
        progress: number;
        error: string | null;
        finalValAcc: number | null;
        bestValAcc: number | null;
        startedAt: string | null;
        finishedAt: string | null;
        backend: string | null;
        device: string | null;
      };
    }
  | { __typename: "RunEpochEvent"; epoch: Epoch }
  | {
      __typename: "RunLossesEvent";
      fromIteration: number;
      toIteration: number;
      points: { iteration: number; loss: number }[];
    }
  | { __typename: "RunWeightsEvent"; atEpoch: number; url: string }
  | { __typename: "RunTestEvent"; testAcc: number };

export interface LiveRun {
  status?: RunStatus;
  run?: Extract<RunEvent, { __typename: "RunStatusEvent" }>["run"];
  epochs: Epoch[];
  /** [iteration, loss] pairs, increasing iteration. */
  losses: [number, number][];
  lossesTo: number;
  weightsUrl?: string;
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
      return { ...state, weightsUrl: event.url };
    case "RunTestEvent":
      return { ...state, testAcc: event.testAcc };
  }
}

/** The iteration at which a FAILED run diverged, read from its error message. */
export function divergedAt(error: string | null | undefined): { iteration: number; loss: string } | null {
  const match = error?.match(/loss became (\S+) at iteration (\d+)/);
  return match ? { loss: match[1]!, iteration: Number(match[2]) } : null;
}
