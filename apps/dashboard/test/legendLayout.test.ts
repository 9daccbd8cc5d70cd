// A chart's legend wraps onto rows as ECharts lays them out, and the plot moves down by the rows
// added, rather than paging through names ("hidden 16, lr ◀ 1/2 ▶" hid which curve was which).
import { describe, expect, it } from "vitest";
import { accuracyChartOption } from "@/lib/charts/accuracyChart";
import { LEGEND_ROW, legendRows, withLegendLaidOut } from "@/lib/charts/legendLayout";

/** 6 px a character, as a stand-in for the canvas's measure. */
const textWidth = (text: string) => text.length * 6;
const lines = (names: string[]) => names.map((name) => ({ name, points: [[0, 0.1] as [number, number]] }));

describe("legend layout", () => {
  it("counts rows as ECharts fills them: icon, gap, text, then the next item", () => {
    // Each item: 25 + 5 + 60 = 90 px, then a 10 px gap.
    const names = Array.from({ length: 5 }, (_, i) => `run ${i}`.padEnd(10, "."));
    expect(legendRows(names, 490, textWidth)).toBe(1); // 5 × 90 + 4 × 10 = 490
    expect(legendRows(names, 489, textWidth)).toBe(2);
    expect(legendRows(names, 190, textWidth)).toBe(3); // two a row
    expect(legendRows(["a very long name that fits nowhere"], 50, textWidth)).toBe(1);
  });

  it("wraps two runs' names at a laptop's width, moves the plot down by the row added, and pages past four rows", () => {
    const two = ["hidden 16, lr 0.05, reg 0.001, iters 4,000", "hidden 128, lr 0.5, reg 0.0001, iters 1,000"];
    const option = accuracyChartOption(lines(two), { title: "Validation accuracy" });
    const top = (option.grid as { top: number }).top;
    // A card of 600 px: its legend gets 66%, 396 px; each name ~290 px.
    const laidOut = withLegendLaidOut(option, 600, textWidth);
    expect(laidOut.legend).toMatchObject({ type: "plain", left: "center", width: "66%", itemWidth: 25, itemGap: 10 });
    expect((laidOut.grid as { top: number }).top).toBe(top + LEGEND_ROW);
    // Wide enough for both on one row: nothing moves.
    expect((withLegendLaidOut(option, 1600, textWidth).grid as { top: number }).top).toBe(top);
    // Twelve runs on a phone: more than four rows would leave little plot, so it pages.
    const many = accuracyChartOption(lines(Array.from({ length: 12 }, (_, i) => `${two[0]} #${i}`)));
    const paged = withLegendLaidOut(many, 390, textWidth);
    expect(paged.legend).toMatchObject({ type: "scroll", left: "center" });
    expect(paged.grid).toEqual(many.grid);
  });

  it("leaves a legend its option placed where it is", () => {
    const option = { legend: { type: "scroll", left: 10 }, grid: { top: 40 }, series: [] };
    expect(withLegendLaidOut(option, 400, textWidth)).toEqual(option);
  });
});
