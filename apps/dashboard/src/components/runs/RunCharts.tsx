"use client";
// The assignment's "debug the training" plots: loss per iteration, train/val accuracy per epoch.
import { useMemo } from "react";
import { accuracyChartOption } from "@/lib/accuracyChart";
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
    () =>
      accuracyChartOption(
        [
          { name: "train", points: epochs.map((e): [number, number] => [e.epoch, e.trainAcc]) },
          { name: "val", points: epochs.map((e): [number, number] => [e.epoch, e.valAcc]) },
        ],
        { title: "Classification accuracy history" },
      ),
    [epochs],
  );
  return <Chart option={option} label="accuracy" />;
}
