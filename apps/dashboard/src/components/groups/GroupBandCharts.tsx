"use client";
// Groups drawn as mean curves with ± std bands: validation accuracy, train accuracy and loss per epoch.
import { useMemo } from "react";
import { bandChartOption, bandOf } from "@/lib/charts/bandChart";
import type { GroupEpoch } from "@/lib/groups/groups";
import { Chart } from "../Chart";

export interface GroupCurve {
  label: string;
  epochs: GroupEpoch[];
}

export function GroupBandCharts({ curves }: { curves: GroupCurve[] }) {
  const val = useMemo(
    () =>
      bandChartOption(
        curves.map((c) => bandOf(c.label, c.epochs, "valAcc")),
        { title: "Validation accuracy, mean ± std", percent: true },
      ),
    [curves],
  );
  const train = useMemo(
    () =>
      bandChartOption(
        curves.map((c) => bandOf(c.label, c.epochs, "trainAcc")),
        { title: "Train accuracy, mean ± std", percent: true },
      ),
    [curves],
  );
  const loss = useMemo(
    () =>
      bandChartOption(
        curves.map((c) => bandOf(c.label, c.epochs, "loss")),
        { title: "Loss at each epoch, mean ± std", percent: false },
      ),
    [curves],
  );
  return (
    <div className="grid2">
      <div className="card">
        <Chart option={val} name="group-val-accuracy" label="Validation accuracy per epoch, mean ± std" />
      </div>
      <div className="card">
        <Chart option={train} name="group-train-accuracy" label="Train accuracy per epoch, mean ± std" />
      </div>
      <div className="card">
        <Chart option={loss} name="group-loss" label="Loss at each epoch, mean ± std" />
      </div>
    </div>
  );
}
