"use client";
// The assignment's plot_acc_curves: train and val accuracy of several runs, overlaid.
import { useMemo } from "react";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";

export interface Curve {
  label: string;
  epochs: Epoch[];
}

function option(title: string, curves: Curve[], key: "trainAcc" | "valAcc"): ChartOption {
  return {
    animation: false,
    title: { text: title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", valueFormatter: (v: number) => `${(v * 100).toFixed(2)}%` },
    legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1 },
    yAxis: { type: "value", name: "Accuracy", min: 0, max: 1 },
    series: curves.map((c) => ({
      type: "line",
      name: c.label,
      showSymbol: c.epochs.length <= 30,
      data: c.epochs.map((e) => [e.epoch, e[key]]),
    })),
  };
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
