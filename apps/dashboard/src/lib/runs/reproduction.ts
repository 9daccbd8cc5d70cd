// Where a run comes from, as the run page shows it: its seed group, the run it reproduces, and the
// reproduction's verdict. Not in a "use client" module: the server page spreads it into its query.
import { graphql, type ResultOf } from "@trainql/graphql";
import { isLive, type RunStatus } from "@/lib/types";

export const ReproductionFields = graphql(`
  fragment ReproductionFields on Run @_unmask {
    group { uuid }
    reproducedFrom { uuid }
    reproduction { identical firstDifferenceIteration firstDifference maxAbsDifference finalParametersIdentical sameBackend originalBackend originalDevice }
  }
`);
export type RunOrigins = ResultOf<typeof ReproductionFields>;

export type Verdict = NonNullable<RunOrigins["reproduction"]>;

/**
 * The verdict in words: "bit-identically" is every loss and the final parameters. The comparison is
 * made when the reproduction SUCCEEDS: one that ended otherwise (failed, cancelled) never will be
 * compared, and says so rather than wait for it.
 */
export function verdictWords(
  v: Verdict,
  status: RunStatus,
): { text: string; kind: "same" | "differs" | "pending" | "not-compared" } {
  if (v.identical === null)
    return isLive(status) || status === "SUCCEEDED"
      ? { text: "reproduction: compared when it finishes", kind: "pending" }
      : { text: `reproduction not compared: it ${status}, and only a SUCCEEDED one is`, kind: "not-compared" };
  if (v.identical) {
    // The losses cannot show the last update: the final parameters are its only witness.
    if (v.finalParametersIdentical === false)
      return { text: "every loss identical, but the final parameters differ", kind: "differs" };
    if (v.finalParametersIdentical === null)
      return {
        text: "every loss reproduced bit-identically (final parameters not compared)",
        kind: "same",
      };
    return { text: "reproduced bit-identically", kind: "same" };
  }
  const by = v.firstDifference === null ? "(one run has fewer iterations)" : `by ${v.firstDifference.toExponential(3)}`;
  return { text: `differs from iteration ${v.firstDifferenceIteration} ${by}`, kind: "differs" };
}
