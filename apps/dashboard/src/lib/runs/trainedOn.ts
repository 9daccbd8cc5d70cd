// What trained a run: the backends, each from the iteration it took over at, the attempts that were
// interrupted on the way, and the data set (known from its first claim). Read by the run page, and again from each status event, since a run
// re-queued after an interruption may resume on a trainer of another kind while the page is open.
import { graphql, type ResultOf } from "@trainql/graphql";

export const TrainedOnFragment = graphql(`
  fragment TrainedOn on Run @_unmask {
    backend device interruptions backendSpans { fromIteration backend device } data { fingerprint numTrain numVal }
  }
`);
export type TrainedOn = ResultOf<typeof TrainedOnFragment>;
