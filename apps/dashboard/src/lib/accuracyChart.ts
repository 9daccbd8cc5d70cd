// Accuracy per epoch as ECharts lines — the one chart shape of the run page, the comparison and the
// sweep's top trials.
import type { ChartOption } from "@/components/Chart";

export interface AccuracyLine {
  name: string;
  /** [epoch, accuracy 0–1] pairs. */
  points: [number, number][];
}

// The axis fits the data with a little room, on 5% steps, within 0–100%: a fixed 0–1 squashed runs
// that differ by a few points into one band.
const STEP = 0.05;
const lower = ({ min }: { min: number }) => Math.max(0, Math.floor((min - 0.01) / STEP) * STEP);
const upper = ({ max }: { max: number }) => Math.min(1, Math.ceil((max + 0.01) / STEP) * STEP);

export function accuracyChartOption(
  lines: AccuracyLine[],
  { title, yName = "Accuracy" }: { title?: string; yName?: string } = {},
): ChartOption {
  const legendTop = title ? 26 : 0;
  return {
    animation: false,
    ...(title ? { title: { text: title, left: "center", textStyle: { fontSize: 14 } } } : {}),
    // Confined to the chart, so it is never cut off at the card's edge.
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v: number) => `${(v * 100).toFixed(2)}%` },
    // Above the plot, one scrolling row: a wrapped legend at the bottom ran into the axis name.
    legend: { type: "scroll", top: legendTop },
    grid: { left: 56, right: 20, top: legendTop + 40, bottom: 45 },
    xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1 },
    yAxis: {
      type: "value",
      name: yName,
      nameGap: 12,
      min: lower,
      max: upper,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    // Markers help while a curve has few points, and clutter it once it has many.
    series: lines.map((l) => ({ type: "line", name: l.name, showSymbol: l.points.length <= 30, data: l.points })),
  };
}
