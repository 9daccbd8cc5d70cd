// Where a run comes from, as the run page shows it: its seed group, the run it reproduces, and the
// reproduction's verdict. Not in a "use client" module: the server page spreads it into its query.
import { graphql, type ResultOf } from "@trainql/graphql";

export const ReproductionFields = graphql(`
  fragment ReproductionFields on Run @_unmask {
    group { uuid }
    reproducedFrom { uuid }
    reproduction { identical firstDifferenceIteration firstDifference maxAbsDifference sameBackend originalBackend originalDevice }
  }
`);
export type RunOrigins = ResultOf<typeof ReproductionFields>;
