"use client";
// The assignment's plot_acc_curves: train and val accuracy of several runs, overlaid.
import { useMemo } from "react";
import { accuracyChartOption } from "@/lib/accuracyChart";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";

export interface Curve {
  label: string;
  epochs: Epoch[];
}

function option(title: string, curves: Curve[], key: "trainAcc" | "valAcc"): ChartOption {
  return accuracyChartOption(
    curves.map((c) => ({ name: c.label, points: c.epochs.map((e): [number, number] => [e.epoch, e[key]]) })),
    { title },
  );
}

export function CompareCharts({ curves }: { curves: Curve[] }) {
  const train = useMemo(() => option("Train accuracy", curves, "trainAcc"), [curves]);
  const val = useMemo(() => option("Validation accuracy", curves, "valAcc"), [curves]);
  return (
    <div className="grid2">
      <div className="card">
        <Chart option={train} label="train-accuracy" />
      </div>
      <div className="card">
        <Chart option={val} label="val-accuracy" />
      </div>
    </div>
  );
}
