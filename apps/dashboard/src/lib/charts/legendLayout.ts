// Where a chart's legend goes: clear of the PNG button at the top right (on a phone, a wide legend
// ran under it), centred in two thirds of the width (at 390 px that leaves ~56 px on each side), and
// wrapped onto more rows rather than paged: a paged legend ("hidden 16, lr ◀ 1/2 ▶", even for two
// runs at a laptop's width) hid which curve was which. The plot moves down by the rows added; past
// MAX_ROWS the legend pages after all, so that the plot keeps most of the chart. A legend placed by
// its option stays where it was put.
import type { ChartOption } from "@/components/Chart";

// (Set on the legend too, so that ECharts lays it out with these very numbers.)
const ICON = 25; // itemWidth
const ITEM_GAP = 10; // itemGap: between items, and between rows
const TEXT_GAP = 5; // from the icon to its text (ECharts' own, not an option)
/** One row's height: ECharts' itemHeight (14) and the gap under it. */
export const LEGEND_ROW = 14 + ITEM_GAP;
const MAX_ROWS = 4;
const SHARE = 0.66;

/** The rows a plain legend of `names` takes in `width` px, laid out as ECharts lays it out. */
export function legendRows(names: readonly string[], width: number, textWidth: (text: string) => number): number {
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const item = ICON + TEXT_GAP + textWidth(name);
    if (x > 0 && x + item > width) {
      rows++;
      x = 0;
    }
    x += item + ITEM_GAP;
  }
  return rows;
}

type Legend = Record<string, unknown>;

/** The names a legend shows: its data, or else each named series once. */
function namesOf(legend: Legend, option: ChartOption): string[] {
  if (Array.isArray(legend.data)) return legend.data.map(String);
  const series = (Array.isArray(option.series) ? option.series : [option.series]) as { name?: unknown }[];
  return [...new Set(series.flatMap((s) => (typeof s?.name === "string" ? [s.name] : [])))];
}

/** The option with its legend laid out for a chart `chartWidth` px wide (see above). */
export function withLegendLaidOut(
  option: ChartOption,
  chartWidth: number,
  textWidth: (text: string) => number,
): ChartOption {
  const legend = option.legend as Legend | Legend[] | undefined;
  if (!legend) return option;
  let added = 0;
  const layOut = (l: Legend): Legend => {
    if (l.left !== undefined || l.right !== undefined || l.width !== undefined) return l;
    // (ECharts moves to the next row once an item would pass the width: as legendRows counts.)
    const placed = { ...l, left: "center", width: `${SHARE * 100}%`, itemWidth: ICON, itemGap: ITEM_GAP };
    if (l.type !== "scroll" || chartWidth <= 0) return placed;
    // (Its width given, ECharts lays its items out in all of it: the padding is outside.)
    const rows = legendRows(namesOf(l, option), SHARE * chartWidth, textWidth);
    if (rows > MAX_ROWS) return placed;
    added = Math.max(added, (rows - 1) * LEGEND_ROW);
    return { ...placed, type: "plain" };
  };
  const laidOut = { ...option, legend: Array.isArray(legend) ? legend.map(layOut) : layOut(legend) };
  const grid = option.grid as { top?: unknown } | undefined;
  if (added === 0 || typeof grid?.top !== "number") return laidOut;
  return { ...laidOut, grid: { ...grid, top: grid.top + added } };
}
