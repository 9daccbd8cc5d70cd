// A run as the comparison shows it: read by the compare page on the server, and again by the page in
// the browser for a run whose live stream the API refused (CompareView polls it). Not in
// CompareView.tsx: a client module's exports are only references on the server, not callable there.
import { graphql, type ResultOf, readFragment } from "@trainql/graphql";
import { type Epoch, EpochFields, type RunSummary, RunSummaryFragment } from "./types";

/** losses: [iteration, loss] pairs, increasing iteration. */
export type ComparedRun = RunSummary & { epochs: Epoch[]; losses: [number, number][] };

export const COMPARED_RUN = graphql(
  `query CompareRun($id: ID!) {
    run(id: $id) { ...RunSummary epochs { ...EpochFields } lossHistory(maxPoints: 1000) { iteration loss } }
  }`,
  [RunSummaryFragment, EpochFields],
);

export function comparedRun(run: ResultOf<typeof COMPARED_RUN>["run"]): ComparedRun {
  return {
    ...readFragment(RunSummaryFragment, run),
    epochs: run.epochs,
    losses: run.lossHistory.map((p): [number, number] => [p.iteration, p.loss]),
  };
}
