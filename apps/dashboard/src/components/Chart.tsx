"use client";
// ECharts, the one chart library here: lines for curves now, heatmaps, scatter plots and parallel
// coordinates for sweeps, all from one maintained package. Only the parts used are registered (smaller bundle).
// This is also the one home of what a curve chart does with a page's view (ChartControls): smoothing
// drawn over the faint raw curve, a log axis, and one zoom shared by the page's charts.
import { HeatmapChart, LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useTheme } from "next-themes";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ChartView } from "@/lib/charts/chartView";
import { withLegendLaidOut } from "@/lib/charts/legendLayout";
import { smoothed } from "@/lib/charts/smoothing";

echarts.use([
  LineChart,
  HeatmapChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  MarkLineComponent,
  VisualMapComponent,
  ParallelComponent,
  ToolboxComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** A curve chart's share of the page's view. */
export interface CurveView {
  smoothing: number;
  /** A logarithmic y axis (loss charts); points ≤ 0 are left out then. */
  log: boolean;
  zoom: ChartView["zoom"];
  onZoom: (zoom: ChartView["zoom"]) => void;
}

/** The chart element as browser tests see it: the instance, to read what is drawn (getOption). */
export type ChartElement = HTMLDivElement & { chart?: echarts.ECharts };

// Set per series, not left to the theme: a smoothed curve and its faint raw curve share a colour.
// Readable on the light and the dark background alike.
const PALETTE = ["#4f7be8", "#e8833a", "#3ba272", "#d14a61", "#8d6cd6", "#27a9c4", "#c7a21d", "#e066b3", "#7a8699"];

interface LineSeries {
  type?: string;
  name?: string;
  data?: [number, number][];
  lineStyle?: Record<string, unknown>;
  markLine?: unknown;
  [key: string]: unknown;
}

const DATA_ZOOM_HEIGHT = 16;
/** Which series the legend shows, by name (ECharts' legend.selected); absent names are shown. */
type LegendSelection = Record<string, boolean>;
/** The page's zoom is this dataZoom's range (the slider's and the drag's follow it: same axis). */
const ZOOM_ID = "zoom";

/** The page's zoom as this chart shows it: percentages of the axis, and the x values they are now. */
interface ZoomWindow {
  start: number;
  end: number;
  startValue?: number;
  endValue?: number;
}

function zoomOf(chart: echarts.ECharts): ZoomWindow | undefined {
  const zooms = chart.getOption().dataZoom as (ZoomWindow & { id?: string })[] | undefined;
  return zooms?.find((z) => z.id === ZOOM_ID);
}

/** The x values a zoom shows now, when it shows less than the whole axis. */
function zoomedValues(chart: echarts.ECharts): [number, number] | null {
  const zoom = zoomOf(chart);
  if (!zoom || (zoom.start <= 0 && zoom.end >= 100)) return null;
  const { startValue, endValue } = zoom;
  return Number.isFinite(startValue) && Number.isFinite(endValue) ? [startValue!, endValue!] : null;
}

/** A legend label's width in px, in ECharts' default font (measured on a canvas of its own). */
function legendTextWidth(text: string): number {
  if (typeof document === "undefined") return text.length * 7; // (on the server: no chart is drawn there)
  measure ??= document.createElement("canvas").getContext("2d");
  if (!measure) return text.length * 7;
  measure.font = "12px sans-serif";
  return measure.measureText(text).width;
}
let measure: CanvasRenderingContext2D | null | undefined;

/**
 * The option with the legend choices made so far: a redraw replaces the whole option (notMerge), so
 * without them a curve hidden from the legend came back with the next live update.
 */
function withLegendSelection(option: ChartOption, selection: LegendSelection): ChartOption {
  const legend = option.legend as Record<string, unknown> | Record<string, unknown>[] | undefined;
  if (!legend || Object.keys(selection).length === 0) return option;
  const keep = (l: Record<string, unknown>) => ({
    ...l,
    selected: { ...(l.selected as LegendSelection | undefined), ...selection },
  });
  return { ...option, legend: Array.isArray(legend) ? legend.map(keep) : keep(legend) };
}

/**
 * A touch screen's swipe across a chart scrolls the page: the drag-to-zoom select would take it (the
 * slider under the plot still zooms there). Asked at each draw: a screen can gain a mouse.
 */
const coarsePointer = () => window.matchMedia("(pointer: coarse)").matches;

function withView(option: ChartOption, view: Pick<CurveView, "smoothing" | "log">): ChartOption {
  const series = ((option.series ?? []) as LineSeries[]).flatMap((s, i): LineSeries[] => {
    if (s.type !== "line" || !s.data) return [s];
    const color = PALETTE[i % PALETTE.length];
    const data = view.log ? s.data.filter(([, y]) => y > 0 && Number.isFinite(y)) : s.data;
    if (!(view.smoothing > 0)) return [{ ...s, id: `${s.name}`, color, data }];
    return [
      // First, so the legend's swatch is the smoothed line's.
      { ...s, id: `${s.name}:smoothed`, color, data: smoothed(data, view.smoothing), markLine: undefined, z: 3 },
      {
        ...s,
        id: `${s.name}:raw`,
        color,
        data,
        showSymbol: false,
        lineStyle: { ...s.lineStyle, opacity: 0.25 },
        emphasis: { disabled: true },
        tooltip: { show: false },
        z: 2,
      },
    ];
  });
  const yAxis = option.yAxis as Record<string, unknown>;
  const grid = option.grid as Record<string, number>;
  return {
    ...option,
    series,
    yAxis: view.log ? { ...yAxis, type: "log", name: `${yAxis.name} (log)` } : yAxis,
    grid: { ...grid, bottom: (grid.bottom ?? 40) + DATA_ZOOM_HEIGHT + 8 },
    // The x axis only: a drag on the plot zooms to what it spans, Ctrl + wheel zooms, Shift + wheel
    // and the slider pan. A plain wheel scrolls the page, as it does everywhere else on it.
    dataZoom: [
      {
        id: ZOOM_ID,
        type: "inside",
        xAxisIndex: 0,
        filterMode: "none",
        moveOnMouseMove: false,
        zoomOnMouseWheel: "ctrl",
        moveOnMouseWheel: "shift",
      },
      {
        type: "slider",
        xAxisIndex: 0,
        filterMode: "none",
        height: DATA_ZOOM_HEIGHT,
        bottom: 6,
        showDetail: false,
        brushSelect: false,
      },
    ],
    // Its buttons out of sight: a hidden toolbox (show: false) would not enable the drag at all.
    toolbox: { left: -100, top: -100, itemSize: 1, feature: { dataZoom: { yAxisIndex: "none" } } },
  };
}

export function Chart({
  option,
  height = 300,
  name,
  label,
  view,
  loading = false,
}: {
  option: ChartOption;
  height?: number;
  /** Short and fixed ("loss"): the PNG's file name, and how tests find the chart. */
  name: string;
  /** What a screen reader says the chart is ("Loss per iteration"). */
  label: string;
  /** For curve charts: the page's view (ChartControls). */
  view?: CurveView;
  /** Its data is still on the way: says so over the axes, which would otherwise read as "no data". */
  loading?: boolean;
}) {
  const element = useRef<ChartElement>(null);
  // State, not a ref: a new instance (the theme changed) must get the option again.
  const [chart, setChart] = useState<echarts.ECharts | null>(null);
  const [width, setWidth] = useState(0);
  const legendSelection = useRef<LegendSelection>({});
  const onZoom = useRef(view?.onZoom);
  onZoom.current = view?.onZoom;
  const dark = useTheme().resolvedTheme === "dark";

  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const instance = echarts.init(el, dark ? "dark" : undefined);
    setChart(instance);
    setWidth(el.clientWidth); // (before the first draw, so that its legend is laid out already)
    el.chart = instance;
    // Set here, not rendered: the server cannot know the theme, and hydration keeps its attributes.
    el.dataset.theme = dark ? "dark" : "light";
    // A zoom made here (wheel, slider, drag) becomes the page's, which every chart then shows.
    instance.on("datazoom", () => {
      const zoom = zoomOf(instance);
      if (zoom) onZoom.current?.(zoom.start <= 0 && zoom.end >= 100 ? null : [zoom.start, zoom.end]);
    });
    instance.getZr().on("dblclick", () => onZoom.current?.(null));
    // The legend choices, kept for the next redraw (each event carries the whole selection).
    const remember = (event: { selected: LegendSelection }) => {
      legendSelection.current = event.selected;
    };
    for (const name of ["legendselectchanged", "legendselectall", "legendinverseselect"])
      instance.on(name, (event) => remember(event as { selected: LegendSelection }));
    // The element's own size, not the window's: a chart in a grid cell or a card changes size with
    // its layout (a column added, a cell that shrinks) while the window stays as it was.
    // (Its width also lays out the legend: how many rows it wraps onto.)
    const observer = new ResizeObserver(() => {
      instance.resize();
      setWidth(el.clientWidth);
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      instance.dispose();
      setChart(null);
      el.chart = undefined;
    };
  }, [dark]);

  // The zoom is not part of the drawn option: a zoom made in this chart is already shown here, and
  // redrawing mid-drag would end the drag. It is applied by the effect below, and on each redraw.
  const smoothing = view?.smoothing ?? 0;
  const log = view?.log ?? false;
  const zoom = view?.zoom ?? null;
  const zoomNow = useRef(zoom);
  zoomNow.current = zoom;
  // The iterations (or epochs) a zoom chosen on this page showed when it was chosen. The page's zoom
  // is a share of the axis (charts of one page have axes of different units, and the address keeps
  // it so); re-applied as a share to a live run's growing axis, the view slid along as the run trained.
  // Redraws keep these values instead. The zoom a page opens with (its address) is a share of the
  // axis as loaded: a run's page draws its stored curve in parts, as the stream replays it.
  const pinned = useRef<[number, number] | null>(null);
  const zoomSeen = useRef(zoom);
  const curves = view !== undefined;
  const viewed = useMemo(() => {
    const themed = { ...option, backgroundColor: "transparent" };
    return curves ? withView(themed, { smoothing, log }) : themed;
  }, [option, curves, smoothing, log]);
  // A new width redraws the chart only when its legend's rows change: the same option is kept
  // otherwise, and a resize is ECharts' own (ResizeObserver above).
  const laidOut = useRef<{ from: ChartOption; layout: string; option: ChartOption } | null>(null);
  const shown = useMemo(() => {
    const next = withLegendLaidOut(viewed, width, legendTextWidth);
    const layout = JSON.stringify([next.legend, next.grid]);
    if (laidOut.current?.from === viewed && laidOut.current.layout === layout) return laidOut.current.option;
    laidOut.current = { from: viewed, layout, option: next };
    return next;
  }, [viewed, width]);

  useEffect(() => {
    if (!chart) return;
    chart.setOption(withLegendSelection(shown, legendSelection.current), { notMerge: true });
    if (!curves) return;
    const [start, end] = zoomNow.current ?? [0, 100];
    const kept = zoomNow.current ? pinned.current : null;
    chart.dispatchAction(
      kept
        ? { type: "dataZoom", dataZoomId: ZOOM_ID, startValue: kept[0], endValue: kept[1] }
        : { type: "dataZoom", dataZoomId: ZOOM_ID, start, end },
      { silent: true },
    );
    // Dragging across the plot zooms (the toolbox's zoom select, its buttons hidden); not on a touch screen.
    chart.dispatchAction({ type: "takeGlobalCursor", key: "dataZoomSelect", dataZoomSelectActive: !coarsePointer() });
  }, [chart, shown, curves]);

  useEffect(() => {
    const instance = chart;
    if (!instance || !curves) return;
    // (The page makes a new zoom only when it changes: a drag here or in another chart, a reset.)
    const chosen = zoom !== zoomSeen.current;
    zoomSeen.current = zoom;
    const [start, end] = zoom ?? [0, 100];
    const current = zoomOf(instance);
    if (!(current && Math.abs(current.start - start) < 0.01 && Math.abs(current.end - end) < 0.01))
      instance.dispatchAction({ type: "dataZoom", dataZoomId: ZOOM_ID, start, end }, { silent: true });
    if (chosen) pinned.current = zoom ? zoomedValues(instance) : null;
  }, [chart, zoom, curves]);

  useEffect(() => {
    if (!chart) return;
    if (loading) chart.showLoading({ text: "Loading…", maskColor: "transparent", textColor: dark ? "#ddd" : "#333" });
    else chart.hideLoading();
  }, [chart, loading, dark]);

  // The chart as it is drawn now, as a PNG file (ECharts renders it, at twice the screen's pixels), on
  // the theme's card colour: the drawn chart's own background is transparent.
  function savePng() {
    const backgroundColor = getComputedStyle(document.documentElement).getPropertyValue("--surface").trim() || "#fff";
    const url = chart?.getDataURL({ type: "png", pixelRatio: 2, backgroundColor });
    if (!url) return;
    const link = document.createElement("a");
    link.href = url;
    link.download = `${name}.png`;
    link.click();
  }

  return (
    <div className="chart-box">
      <button
        type="button"
        className="secondary small chart-png"
        onClick={savePng}
        aria-label={`Save chart as PNG: ${label}`}
      >
        PNG
      </button>
      <div
        ref={element}
        role="img"
        aria-label={label}
        data-testid={`chart-${name}`}
        style={{ height, width: "100%" }}
      />
    </div>
  );
}
