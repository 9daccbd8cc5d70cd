// Accuracy per epoch as ECharts lines — the one chart shape of the run page, the comparison and the
// sweep's top trials.
import type { ChartOption } from "@/components/Chart";

export interface AccuracyLine {
  name: string;
  /** [epoch, accuracy 0–1] pairs. */
  points: [number, number][];
}

export function accuracyChartOption(
  lines: AccuracyLine[],
  { title, yName = "Accuracy" }: { title?: string; yName?: string } = {},
): ChartOption {
  return {
    animation: false,
    ...(title ? { title: { text: title, left: "center", textStyle: { fontSize: 14 } } } : {}),
    tooltip: { trigger: "axis", valueFormatter: (v: number) => `${(v * 100).toFixed(2)}%` },
    legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: title ? 40 : 20, bottom: 60 },
    xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1 },
    yAxis: { type: "value", name: yName, min: 0, max: 1 },
    // Markers help while a curve has few points, and clutter it once it has many.
    series: lines.map((l) => ({ type: "line", name: l.name, showSymbol: l.points.length <= 30, data: l.points })),
  };
}
