"use client";
// The assignment's "debug the training" plots: loss per iteration, train/val accuracy per epoch.
import { useMemo } from "react";
import { accuracyChartOption } from "@/lib/charts/accuracyChart";
import { lossChartOption } from "@/lib/charts/lossChart";
import type { Epoch } from "@/lib/types";
import { Chart, type ChartOption, type CurveView } from "../Chart";

export function LossChart({
  losses,
  divergedAtIteration,
  forkedAtIteration,
  view,
  loading,
}: {
  losses: [number, number][];
  /** For a run that diverged: the iteration whose loss was not a number. */
  divergedAtIteration?: number | null;
  /** For a fork: the last iteration of its parent's that it starts from. */
  forkedAtIteration?: number | null;
  view: CurveView;
  /** The stored curve is still on the way. */
  loading?: boolean;
}) {
  const option = useMemo<ChartOption>(
    () =>
      lossChartOption([{ name: "loss", points: losses, divergedAtIteration, forkedAtIteration }], {
        title: "Loss history",
      }),
    [losses, divergedAtIteration, forkedAtIteration],
  );
  return <Chart option={option} name="loss" label="Loss per iteration" view={view} loading={loading} />;
}

export function AccuracyChart({ epochs, view, loading }: { epochs: Epoch[]; view: CurveView; loading?: boolean }) {
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
  return (
    <Chart
      option={option}
      name="accuracy"
      label="Train and validation accuracy per epoch"
      view={view}
      loading={loading}
    />
  );
}
