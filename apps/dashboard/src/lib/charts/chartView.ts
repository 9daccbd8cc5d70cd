// How a page's charts are shown — smoothing, log scale, the zoomed-in part — as the page's URL query
// says it, so a link shows the same view. Kept next to the page's own parameters (ids, sort…).
import { MAX_SMOOTHING } from "@/lib/charts/smoothing";

export interface ChartView {
  /** Weight of the debiased moving average, 0 (off) to MAX_SMOOTHING. */
  smoothing: number;
  /** Log scale for loss charts; null: chosen from the data (a diverged run's losses span decades). */
  log: boolean | null;
  /**
   * The part of the x axis shown, as start and end percentages of its range; null: all of it. A share,
   * because the charts of one page have x axes in different units (iterations, epochs); once chosen
   * on a page, each chart keeps the x values it showed then while a live run's axis grows (Chart.tsx).
   */
  zoom: [number, number] | null;
}

export const DEFAULT_VIEW: ChartView = { smoothing: 0, log: null, zoom: null };

/** The query parameters a view is kept in. */
export const VIEW_PARAMS = { smoothing: "smooth", log: "log", zoom: "zoom" } as const;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The view a query string asks for; what is missing or malformed stays the default. */
export function parseChartView(params: { get(name: string): string | null }): ChartView {
  const smoothing = Number(params.get(VIEW_PARAMS.smoothing));
  const log = params.get(VIEW_PARAMS.log);
  const zoom = params.get(VIEW_PARAMS.zoom)?.split("-").map(Number);
  const validZoom =
    zoom?.length === 2 && zoom.every((z) => Number.isFinite(z) && z >= 0 && z <= 100) && zoom[0]! < zoom[1]!;
  return {
    smoothing: Number.isFinite(smoothing) ? Math.min(MAX_SMOOTHING, Math.max(0, smoothing)) : 0,
    log: log === "1" ? true : log === "0" ? false : null,
    zoom: validZoom ? [zoom[0]!, zoom[1]!] : null,
  };
}

/** `params` with the view written into it (defaults left out, so a plain link stays plain). */
export function withChartView(params: URLSearchParams, view: ChartView): URLSearchParams {
  const next = new URLSearchParams(params);
  const set = (key: string, value: string | null) => (value === null ? next.delete(key) : next.set(key, value));
  set(VIEW_PARAMS.smoothing, view.smoothing > 0 ? String(round(view.smoothing, 2)) : null);
  set(VIEW_PARAMS.log, view.log === null ? null : view.log ? "1" : "0");
  const zoomed = view.zoom && (view.zoom[0] > 0 || view.zoom[1] < 100);
  set(VIEW_PARAMS.zoom, zoomed ? `${round(view.zoom![0], 1)}-${round(view.zoom![1], 1)}` : null);
  return next;
}

/**
 * The view `params` carry, alone, as a query string ("" for the default view): for a link to another
 * address of the same page (the comparison of other runs), which keeps the view the reader set.
 */
export const chartViewQuery = (params: { get(name: string): string | null }): string =>
  withChartView(new URLSearchParams(), parseChartView(params)).toString();

/** Whether a loss axis should be logarithmic by itself: when the positive losses span over three decades. */
export function spansDecades(values: Iterable<number>): boolean {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return max > 0 && max / min > 1e3;
}
