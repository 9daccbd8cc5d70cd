"use client";
// ECharts, the one chart library here: lines for curves now, heatmaps and parallel coordinates for
// sweeps, all from one maintained package. Only the parts used are registered (smaller bundle).
import { HeatmapChart, LineChart, ParallelChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([
  LineChart,
  HeatmapChart,
  ParallelChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  MarkLineComponent,
  VisualMapComponent,
  ParallelComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

export function Chart({ option, height = 300, label }: { option: ChartOption; height?: number; label: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!element.current) return;
    const instance = echarts.init(element.current);
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);

  // The chart as it is drawn now, as a PNG file (ECharts renders it, at twice the screen's pixels).
  function savePng() {
    const url = chart.current?.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    if (!url) return;
    const link = document.createElement("a");
    link.href = url;
    link.download = `${label.replace(/[^\w-]+/g, "-")}.png`;
    link.click();
  }

  return (
    <div className="chart-box">
      <button type="button" className="secondary small chart-png" onClick={savePng} aria-label={`Save ${label} as PNG`}>
        PNG
      </button>
      <div
        ref={element}
        role="img"
        aria-label={label}
        data-testid={`chart-${label}`}
        style={{ height, width: "100%" }}
      />
    </div>
  );
}
