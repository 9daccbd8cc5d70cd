"use client";
// The assignment's plot_acc_curves, and the loss curves: several runs overlaid, with the page's chart
// controls (smoothing, log scale for loss, one zoom for the three charts).
import { useMemo } from "react";
import { accuracyChartOption } from "@/lib/charts/accuracyChart";
import { spansDecades } from "@/lib/charts/chartView";
import { lossChartOption } from "@/lib/charts/lossChart";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";
import { ChartControls, useChartView } from "../ChartControls";

export interface Curve {
  label: string;
  epochs: Epoch[];
  /** [iteration, loss] pairs. */
  losses: [number, number][];
  divergedAtIteration: number | null;
  /** For a fork: the last iteration of its parent's that it starts from. */
  forkedAtIteration: number | null;
}

function option(title: string, curves: Curve[], key: "trainAcc" | "valAcc"): ChartOption {
  return accuracyChartOption(
    curves.map((c) => ({ name: c.label, points: c.epochs.map((e): [number, number] => [e.epoch, e[key]]) })),
    { title },
  );
}

export function CompareCharts({ curves }: { curves: Curve[] }) {
  const charts = useChartView();
  const loss = useMemo(
    () =>
      lossChartOption(
        curves.map((c) => ({
          name: c.label,
          points: c.losses,
          divergedAtIteration: c.divergedAtIteration,
          forkedAtIteration: c.forkedAtIteration,
        })),
        { title: "Loss" },
      ),
    [curves],
  );
  const autoLog = useMemo(() => spansDecades(curves.flatMap((c) => c.losses.map(([, l]) => l))), [curves]);
  const train = useMemo(() => option("Train accuracy", curves, "trainAcc"), [curves]);
  const val = useMemo(() => option("Validation accuracy", curves, "valAcc"), [curves]);
  return (
    <>
      <ChartControls state={charts} autoLog={autoLog} />
      <div className="card">
        <Chart
          option={loss}
          name="loss"
          label="Loss per iteration of the compared runs"
          view={charts.curves(charts.view.log ?? autoLog)}
        />
      </div>
      <div className="grid2">
        <div className="card">
          <Chart
            option={train}
            name="train-accuracy"
            label="Train accuracy per epoch of the compared runs"
            view={charts.curves(false)}
          />
        </div>
        <div className="card">
          <Chart
            option={val}
            name="val-accuracy"
            label="Validation accuracy per epoch of the compared runs"
            view={charts.curves(false)}
          />
        </div>
      </div>
    </>
  );
}
