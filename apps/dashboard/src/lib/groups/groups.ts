// A seed group as the dashboard reads it: its members and the mean ± std the API computes in SQL.
import { graphql, type ResultOf } from "@trainql/graphql";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { HyperparametersFields, type RunStatus } from "@/lib/types";

export const MeanStdFields = graphql(`fragment MeanStdFields on MeanStd @_unmask { mean std n }`);

// Unmasked: the group page, the comparison and the sweep page all read the same statistics.
export const GroupFields = graphql(
  `
  fragment GroupFields on RunGroup @_unmask {
    id uuid sweepId
    runs { id uuid status finalValAcc testAcc testError hyperparameters { ...HyperparametersFields } }
    stats {
      epochs { epoch iteration valAcc { ...MeanStdFields } trainAcc { ...MeanStdFields } loss { ...MeanStdFields } }
      finalValAcc { ...MeanStdFields }
      testAcc { ...MeanStdFields }
      classValAcc { className accuracy { ...MeanStdFields } }
    }
  }
`,
  [HyperparametersFields, MeanStdFields],
);
export type Group = ResultOf<typeof GroupFields>;

// A sweep's groups, ranked on its page: no curves, and spelled out rather than nested fragments, so the
// sweep's subscription stays inside the API's query depth limit.
export const SweepGroupFields = graphql(`
  fragment SweepGroupFields on RunGroup @_unmask {
    id uuid
    runs { id status finalValAcc hyperparameters { hiddenSize learningRate reg } }
    stats { finalValAcc { mean std n } testAcc { mean std n } }
  }
`);
export type SweepGroup = ResultOf<typeof SweepGroupFields>;
export type MeanStd = ResultOf<typeof MeanStdFields>;
export type GroupEpoch = Group["stats"]["epochs"][number];

/** "48.20% ± 1.35%": a mean accuracy and its sample standard deviation; "—" when no member has one. */
export function percentMeanStd(m: MeanStd): string {
  if (m.mean === null) return "—";
  const mean = `${(m.mean * 100).toFixed(2)}%`;
  return m.std === null ? `${mean} (1 run)` : `${mean} ± ${(m.std * 100).toFixed(2)}%`;
}

/** The same for a loss (no unit). */
export function numberMeanStd(m: MeanStd): string {
  if (m.mean === null) return "—";
  return m.std === null ? m.mean.toFixed(4) : `${m.mean.toFixed(4)} ± ${m.std.toFixed(4)}`;
}

/**
 * "3 of 3 seeds finished"; "1 of 3 seeds finished, 1 failed, 1 queued": how many members the mean
 * is over, and why the others are not in it. A group whose every member failed would otherwise read
 * only "—" where its accuracy goes.
 */
export function memberProgress(runs: readonly { status: RunStatus }[]): string {
  const count = (status: RunStatus) => runs.filter((r) => r.status === status).length;
  const finished = `${count("SUCCEEDED")} of ${runs.length} seeds finished`;
  const others = Object.entries(OTHERS).flatMap(([status, what]) => {
    const n = count(status as RunStatus);
    return n > 0 ? [`${n} ${what}`] : [];
  });
  return [finished, ...others].join(", ");
}

// What became of the members not finished, in this order. A Record: a status added to the schema
// fails the typecheck until it is worded here (SUCCEEDED is the "finished" above).
const OTHERS: Record<Exclude<RunStatus, "SUCCEEDED">, string> = {
  FAILED: "failed",
  CANCELLED: "cancelled",
  STOPPED: "stopped",
  RUNNING: "training",
  QUEUED: "queued",
  PAUSED: "paused",
};

/** What every member shares: the hyperparameters apart from the seed. */
export function groupLabel(group: {
  runs: readonly { hyperparameters: { hiddenSize: number; learningRate: number; reg: number } }[];
}): string {
  const hp = group.runs[0]?.hyperparameters;
  return hp
    ? `hidden ${hp.hiddenSize}, lr ${hyperparameterText(hp.learningRate)}, reg ${hyperparameterText(hp.reg)}`
    : "no runs";
}
