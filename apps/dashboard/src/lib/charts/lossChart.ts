// Loss per iteration as ECharts lines — the run page's loss history and the comparison's overlay.
// The log axis and smoothing are the page's view, applied by Chart.
import type { ChartOption } from "@/components/Chart";
import { axisTick, pointedNumber } from "@/lib/text/compactNumber";

export interface LossLine {
  name: string;
  /** [iteration, loss] pairs. */
  points: [number, number][];
  /** For a run that diverged: the iteration whose loss was not a number, marked on the chart. */
  divergedAtIteration?: number | null | undefined;
  /** For a fork: the last iteration it shares with its parent (the curve up to it is the parent's). */
  forkedAtIteration?: number | null | undefined;
}

/** A mark's label along its line, inside the plot: above it, it ran into the chart's title and legend. */
const INSIDE = { position: "insideEndTop" } as const;

/** The vertical lines a run's curve carries: where it diverged, where it was forked from its parent. */
function marksOf(l: LossLine) {
  const marks = [
    ...(l.forkedAtIteration != null
      ? [
          {
            xAxis: l.forkedAtIteration,
            label: { formatter: "forked here", ...INSIDE },
            lineStyle: { color: "#8a8f98" },
          },
        ]
      : []),
    ...(l.divergedAtIteration != null
      ? [
          {
            xAxis: l.divergedAtIteration,
            label: { formatter: `diverged at iteration ${l.divergedAtIteration}`, ...INSIDE },
            lineStyle: { color: "#c8372d" },
          },
        ]
      : []),
  ];
  return marks.length > 0 ? { symbol: "none", data: marks } : undefined;
}

export function lossChartOption(lines: LossLine[], { title }: { title?: string } = {}): ChartOption {
  const legend = lines.length > 1;
  const top = (title ? 26 : 0) + (legend ? 26 : 0);
  return {
    animation: false,
    ...(title ? { title: { text: title, left: "center", textStyle: { fontSize: 14 } } } : {}),
    ...(legend ? { legend: { type: "scroll", top: title ? 26 : 0 } } : {}),
    tooltip: { trigger: "axis", confine: true, valueFormatter: pointedNumber },
    grid: { left: 56, right: 20, top: top + 14, bottom: 40 },
    // (Iterations run to six digits: at phone width their labels would run into each other.)
    xAxis: {
      type: "value",
      name: "Iteration",
      nameLocation: "middle",
      nameGap: 25,
      // Whole iterations, and no axis past the last (200 iterations drew to 210).
      min: 0,
      max: "dataMax",
      minInterval: 1,
      axisLabel: { hideOverlap: true },
    },
    yAxis: { type: "value", name: "Loss", scale: true, axisLabel: { formatter: axisTick } },
    series: lines.map((l) => ({
      type: "line",
      name: l.name,
      data: l.points,
      showSymbol: false,
      // Each bucket's min and max: a spike is drawn however many points the run has.
      sampling: "minmax",
      lineStyle: { width: 1 },
      markLine: marksOf(l),
    })),
  };
}
