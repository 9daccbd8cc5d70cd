"use client";
// The validation-accuracy curves of the best k trials, overlaid, ranked as the trials table ranks them.
import { graphql } from "@trainql/graphql";
import { useMemo } from "react";
import { useQuery } from "urql";
import { accuracyChartOption } from "@/lib/charts/accuracyChart";
import { curveLabels } from "@/lib/compare/differences";
import type { SweepTrial } from "@/lib/sweeps/sweeps";
import { cutEarly, topTrials } from "@/lib/sweeps/trialRanking";
import { Chart, type ChartOption } from "../Chart";
import { ChartControls, useChartView } from "../ChartControls";

const EPOCHS = graphql(
  `query TopCurves($ids: [ID!]!) { nodes(ids: $ids) { ... on Run { id epochs { epoch valAcc } } } }`,
);

export function TopCurves({ trials, k = 5, version }: { trials: SweepTrial[]; k?: number; version: number }) {
  const top = useMemo(() => topTrials(trials, k), [trials, k]);
  const ids = top.map((t) => t.id);
  const charts = useChartView();
  // `version` changes whenever a trial finishes: refetch then.
  // `version` is no variable of EPOCHS: it only makes a new request key, which refetches. (Passed as a
  // variable rather than a literal so that the document's variable type does not refuse it.)
  const variables = { ids, version };
  const [{ data }] = useQuery({
    query: EPOCHS,
    variables,
    pause: ids.length === 0,
    requestPolicy: "network-only",
  });
  const option = useMemo<ChartOption>(() => {
    const labels = curveLabels(top);
    // nodes() may answer any Node: only a Run carries the fields asked for.
    const epochsOf = new Map(
      (data?.nodes ?? []).flatMap((n) => (n && "epochs" in n ? [[n.id, n.epochs] as const] : [])),
    );
    return accuracyChartOption(
      top.map((t, i) => ({
        // Said in the legend: a curve that ends early was cut at a rung (or waits for one).
        name: cutEarly(t) ? `${labels[i]} (${t.status.toLowerCase()})` : labels[i]!,
        points: (epochsOf.get(t.id) ?? []).map((e): [number, number] => [e.epoch, e.valAcc]),
      })),
      { yName: "Val accuracy" },
    );
  }, [top, data]);
  return (
    <div className="card">
      <h2>Validation accuracy of the top {top.length} trials</h2>
      {top.length === 0 ? (
        <p className="muted">Curves appear as trials finish.</p>
      ) : (
        <>
          <ChartControls state={charts} />
          <Chart
            option={option}
            height={320}
            name="top-curves"
            label={`Validation accuracy per epoch of the top ${top.length} trials`}
            view={charts.curves(false)}
          />
        </>
      )}
    </div>
  );
}
