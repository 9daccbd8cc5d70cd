"use client";
// The assignment's "debug the training" plots: loss per iteration, train/val accuracy per epoch.
import { useMemo } from "react";
import { divergedAt } from "@/lib/runEvents";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";

export function LossChart({ losses, error }: { losses: [number, number][]; error?: string | null }) {
  const diverged = divergedAt(error);
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      title: { text: "Loss history", left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: "Iteration", nameLocation: "middle", nameGap: 25, min: 0 },
      yAxis: { type: "value", name: "Loss", scale: true },
      dataZoom: [{ type: "inside" }],
      series: [
        {
          type: "line",
          name: "loss",
          data: losses,
          showSymbol: false,
          sampling: "lttb",
          lineStyle: { width: 1 },
          markLine: diverged
            ? {
                symbol: "none",
                label: { formatter: `diverged: loss ${diverged.loss}` },
                lineStyle: { color: "#c8372d" },
                data: [{ xAxis: diverged.iteration }],
              }
            : undefined,
        },
      ],
    }),
    [losses, diverged],
  );
  return <Chart option={option} label="loss" />;
}

export function AccuracyChart({ epochs }: { epochs: Epoch[] }) {
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      title: { text: "Classification accuracy history", left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: (v: number) => `${(v * 100).toFixed(2)}%` },
      legend: { bottom: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1 },
      yAxis: { type: "value", name: "Accuracy", min: 0, max: 1 },
      series: [
        {
          type: "line",
          name: "train",
          showSymbol: epochs.length <= 30,
          data: epochs.map((e) => [e.epoch, e.trainAcc]),
        },
        { type: "line", name: "val", showSymbol: epochs.length <= 30, data: epochs.map((e) => [e.epoch, e.valAcc]) },
      ],
    }),
    [epochs],
  );
  return <Chart option={option} label="accuracy" />;
}
