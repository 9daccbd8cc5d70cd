// A run as the comparison shows it: read by the compare page on the server, again by the page in the
// browser for a run whose live stream the API refused (CompareView polls it), and kept up to date by
// that stream's events. Not in CompareView.tsx: a client module's exports are only references on the
// server, not callable there.
import { graphql, type ResultOf, readFragment } from "@trainql/graphql";
import { withLosses } from "@/lib/runs/runEvents";
import { type Epoch, EpochFields, type RunSummary, RunSummaryFragment } from "@/lib/types";

/** The final parameters' validation accuracy per class (null until the run ends). */
const ClassAccuracyFields = graphql(`
  fragment ClassAccuracyFields on ConfusionMatrix @_unmask { classes classAccuracy }
`);
export type ClassAccuracy = ResultOf<typeof ClassAccuracyFields>;

/** losses: [iteration, loss] pairs, increasing iteration. */
export type ComparedRun = RunSummary & {
  epochs: Epoch[];
  losses: [number, number][];
  valConfusion: ClassAccuracy | null;
};

export const COMPARED_RUN = graphql(
  `query CompareRun($id: ID!) {
    run(id: $id) {
      ...RunSummary valConfusion { ...ClassAccuracyFields }
      epochs { ...EpochFields } lossHistory(maxPoints: 1000) { iteration loss }
    }
  }`,
  [RunSummaryFragment, ClassAccuracyFields, EpochFields],
);

export function comparedRun(run: ResultOf<typeof COMPARED_RUN>["run"]): ComparedRun {
  return {
    ...readFragment(RunSummaryFragment, run),
    valConfusion: run.valConfusion,
    epochs: run.epochs,
    losses: run.lossHistory.map((p): [number, number] => [p.iteration, p.loss]),
  };
}

// The comparison's stream of a live run (CompareView). Only what it shows: weights and test events
// come as bare __typename. The cursor: after a reconnect the stream resumes where it stopped
// (urqlClient.ts sets $after).
export const COMPARED_RUN_EVENTS = graphql(
  `
  subscription CompareRunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename
      cursor
      ... on RunStatusEvent {
        status
        run { iteration progress error divergedAtIteration finalValAcc bestValAcc testAcc valConfusion { ...ClassAccuracyFields } }
      }
      ... on RunEpochEvent { epoch { ...EpochFields } }
      ... on RunLossesEvent { fromIteration points { iteration loss } }
    }
  }
`,
  [EpochFields, ClassAccuracyFields],
);

type Event = ResultOf<typeof COMPARED_RUN_EVENTS>["runEvents"];

/** The run after one event of its stream. */
export function applyComparedRunEvent(run: ComparedRun, event: Event): ComparedRun {
  if ("status" in event) return { ...run, ...event.run, status: event.status };
  if ("epoch" in event) {
    const epochs = run.epochs.filter((e) => e.epoch !== event.epoch.epoch).concat(event.epoch);
    // The API sends the run's fields again only when its status changes: the best epoch is counted
    // here, as the run page counts it, or the table kept the value it had when the page loaded.
    const bestValAcc = Math.max(run.bestValAcc ?? 0, event.epoch.valAcc);
    return { ...run, bestValAcc, epochs: epochs.sort((a, b) => a.epoch - b.epoch) };
  }
  if ("points" in event) return { ...run, losses: withLosses(run.losses, event) };
  return run;
}
