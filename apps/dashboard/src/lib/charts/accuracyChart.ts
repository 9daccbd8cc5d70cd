// Accuracy per epoch as ECharts lines — the one chart shape of the run page, the comparison and the
// sweep's top trials.
import type { ChartOption } from "@/components/Chart";

export interface AccuracyLine {
  name: string;
  /** [epoch, accuracy 0–1] pairs. */
  points: [number, number][];
}

// The axis fits the data, on 10% steps within 0–100%, with ticks that divide it evenly (else ECharts
// labels the ends apart from the ticks, "5%" under "0%"): a fixed 0–1 squashed runs that differ by a
// few points into one band.
function fittedAxis(lines: AccuracyLine[]): { min: number; max: number; interval: number } {
  const values = lines.flatMap((l) => l.points.map(([, acc]) => acc));
  if (values.length === 0) return { min: 0, max: 1, interval: 0.2 };
  let min = Math.max(0, Math.floor(Math.min(...values) * 10 - 0.1) / 10);
  let max = Math.min(1, Math.ceil(Math.max(...values) * 10 + 0.1) / 10);
  const tenths = Math.round((max - min) * 10);
  const interval = tenths <= 3 ? 0.05 : tenths <= 6 ? 0.1 : 0.2;
  if (interval === 0.2 && tenths % 2 === 1) {
    if (max < 1) max = Math.round((max + 0.1) * 10) / 10;
    else min = Math.round((min - 0.1) * 10) / 10;
  }
  return { min, max, interval };
}

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
    // Above the plot (a legend at the bottom ran into the axis name); its rows: legendLayout.ts.
    legend: { type: "scroll", top: legendTop },
    grid: { left: 56, right: 20, top: legendTop + 40, bottom: 45 },
    xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1, max: "dataMax" },
    yAxis: {
      type: "value",
      name: yName,
      nameGap: 12,
      ...fittedAxis(lines),
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    // Markers help while a curve has few points, and clutter it once it has many.
    series: lines.map((l) => ({ type: "line", name: l.name, showSymbol: l.points.length <= 30, data: l.points })),
  };
}
