"use client";
// The controls above a page's charts — smoothing, log scale for loss, zoom reset — and the view they
// set, which every chart of the page shares (one zoom for all: drag across any chart to zoom them
// all, double-click one to reset) and which the URL keeps, so a link opens the same view.
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type ChartView, parseChartView, withChartView } from "@/lib/charts/chartView";
import { MAX_SMOOTHING } from "@/lib/charts/smoothing";
import type { CurveView } from "./Chart";

/** URL writes wait this long after the last change: a zoom drag changes the view every frame. */
const URL_DELAY_MS = 250;

export interface ChartViewState {
  view: ChartView;
  setView: (change: Partial<ChartView>) => void;
  /** What a chart of this page shows: `log` only for loss charts. */
  curves: (log: boolean) => CurveView;
}

export function useChartView(): ChartViewState {
  const searchParams = useSearchParams();
  const [view, setViewState] = useState(() => parseChartView(searchParams));
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const setView = useCallback((change: Partial<ChartView>) => setViewState((v) => ({ ...v, ...change })), []);

  useEffect(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const current = new URLSearchParams(window.location.search);
      const next = withChartView(current, view).toString();
      // Next.js follows replaceState (useSearchParams sees it) without a navigation or a refetch.
      if (next !== current.toString())
        window.history.replaceState(null, "", `${window.location.pathname}${next ? `?${next}` : ""}`);
    }, URL_DELAY_MS);
    return () => clearTimeout(timer.current);
  }, [view]);

  const onZoom = useCallback(
    (zoom: ChartView["zoom"]) =>
      setViewState((v) => (zoom?.join() === v.zoom?.join() ? v : { ...v, zoom: zoom && [zoom[0], zoom[1]] })),
    [],
  );
  const curves = useCallback(
    (log: boolean): CurveView => ({ smoothing: view.smoothing, log, zoom: view.zoom, onZoom }),
    [view.smoothing, view.zoom, onZoom],
  );
  return useMemo(() => ({ view, setView, curves }), [view, setView, curves]);
}

/** `autoLog`: for a page with loss charts, whether their axis is logarithmic when the URL does not say. */
export function ChartControls({ state, autoLog }: { state: ChartViewState; autoLog?: boolean }) {
  const { view, setView } = state;
  return (
    <fieldset className="chart-controls">
      <legend className="visually-hidden">Chart controls</legend>
      <label>
        Smoothing
        <input
          type="range"
          min={0}
          max={MAX_SMOOTHING}
          step={0.01}
          value={view.smoothing}
          onChange={(e) => setView({ smoothing: Number(e.target.value) })}
        />
        <output data-testid="smoothing-value">{view.smoothing.toFixed(2)}</output>
      </label>
      {autoLog !== undefined && (
        <label>
          <input type="checkbox" checked={view.log ?? autoLog} onChange={(e) => setView({ log: e.target.checked })} />
          Log scale (loss)
        </label>
      )}
      {view.zoom ? (
        <button type="button" className="secondary small" onClick={() => setView({ zoom: null })}>
          Reset zoom ({view.zoom[0].toFixed(0)}–{view.zoom[1].toFixed(0)}%)
        </button>
      ) : (
        <span className="muted">Drag across a chart to zoom (or Ctrl + wheel); double-click to reset.</span>
      )}
    </fieldset>
  );
}
