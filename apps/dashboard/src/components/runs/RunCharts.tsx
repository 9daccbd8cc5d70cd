"use client";
// The assignment's "debug the training" plots: loss per iteration, train/val accuracy per epoch.
import { useMemo } from "react";
import { accuracyChartOption } from "@/lib/accuracyChart";
import { compactNumber } from "@/lib/compactNumber";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";

export function LossChart({
  losses,
  divergedAtIteration,
}: {
  losses: [number, number][];
  /** For a run that diverged: the iteration whose loss was not a number. */
  divergedAtIteration?: number | null;
}) {
  const option = useMemo<ChartOption>(() => {
    // A diverged run's losses span dozens of decades: a log axis keeps the early ones readable.
    const positive = losses.map(([, l]) => l).filter((l) => l > 0 && Number.isFinite(l));
    const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 1e3;
    return {
      animation: false,
      title: { text: "Loss history", left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", confine: true, valueFormatter: (v: number) => compactNumber(v) },
      grid: { left: 56, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: "Iteration", nameLocation: "middle", nameGap: 25, min: 0 },
      yAxis: {
        type: log ? "log" : "value",
        name: log ? "Loss (log)" : "Loss",
        scale: true,
        axisLabel: { formatter: (v: number) => compactNumber(v) },
      },
      dataZoom: [{ type: "inside" }],
      series: [
        {
          type: "line",
          name: "loss",
          data: log ? losses.filter(([, l]) => l > 0 && Number.isFinite(l)) : losses,
          showSymbol: false,
          sampling: "lttb",
          lineStyle: { width: 1 },
          markLine:
            divergedAtIteration != null
              ? {
                  symbol: "none",
                  label: { formatter: `diverged at iteration ${divergedAtIteration}` },
                  lineStyle: { color: "#c8372d" },
                  data: [{ xAxis: divergedAtIteration }],
                }
              : undefined,
        },
      ],
    };
  }, [losses, divergedAtIteration]);
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
