// A group's curve as ECharts draws a band: the mean as a line, and mean ± std as a filled area made of
// two stacked series (the lower edge, invisible, then the band's height stacked on it) — ECharts'
// own way of drawing a confidence band. The std is the API's sample standard deviation.
import type { ChartOption } from "@/components/Chart";
import type { GroupEpoch, MeanStd } from "@/lib/groups/groups";

export interface Band {
  name: string;
  /** Per epoch: the statistic of this metric. */
  points: { epoch: number; value: MeanStd }[];
}

const PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"];

export const bandOf = (name: string, epochs: GroupEpoch[], key: "valAcc" | "trainAcc" | "loss"): Band => ({
  name,
  points: epochs.map((e) => ({ epoch: e.epoch, value: e[key] })),
});

function bandSeries(band: Band, color: string) {
  const stack = `band-${band.name}`;
  const present = band.points.filter((p) => p.value.mean !== null);
  const lower = present.map((p) => [p.epoch, (p.value.mean ?? 0) - (p.value.std ?? 0)]);
  const height = present.map((p) => [p.epoch, 2 * (p.value.std ?? 0)]);
  const edge = {
    type: "line",
    stack,
    symbol: "none",
    silent: true,
    lineStyle: { opacity: 0 },
    tooltip: { show: false },
  };
  return [
    { ...edge, name: `${band.name} −std`, data: lower },
    { ...edge, name: `${band.name} ±std`, data: height, areaStyle: { color, opacity: 0.25 } },
    {
      type: "line",
      name: band.name,
      color,
      showSymbol: present.length <= 30,
      // The std rides along as a third value, for the tooltip.
      data: present.map((p) => [p.epoch, p.value.mean, p.value.std, p.value.n]),
    },
  ];
}

export function bandChartOption(bands: Band[], { title, percent }: { title: string; percent: boolean }): ChartOption {
  const shown = (v: number) => (percent ? `${(v * 100).toFixed(2)}%` : v.toFixed(4));
  return {
    animation: false,
    title: { text: title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: {
      trigger: "axis",
      confine: true,
      formatter: (params: { seriesName: string; value: (number | null)[] }[]) =>
        params
          .filter((p) => p.value.length === 4)
          .map(
            ({ seriesName, value: [epoch, mean, std, n] }) =>
              `epoch ${epoch} — ${seriesName}: ${shown(mean ?? 0)}${std === null ? "" : ` ± ${shown(std ?? 0)}`} (n = ${n})`,
          )
          .join("<br/>"),
    },
    // The band's helper series stay out of the legend.
    legend: { type: "scroll", top: 26, data: bands.map((b) => b.name) },
    grid: { left: 56, right: 20, top: 66, bottom: 45 },
    xAxis: { type: "value", name: "Epoch", nameLocation: "middle", nameGap: 25, minInterval: 1, max: "dataMax" },
    yAxis: {
      type: "value",
      scale: true,
      axisLabel: { formatter: (v: number) => (percent ? `${Math.round(v * 100)}%` : String(v)) },
    },
    series: bands.flatMap((b, i) => bandSeries(b, PALETTE[i % PALETTE.length]!)),
  };
}
