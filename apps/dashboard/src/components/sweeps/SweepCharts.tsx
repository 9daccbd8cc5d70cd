"use client";
// How validation accuracy depends on the hyperparameters: a heatmap over any two of them, and
// parallel coordinates over all of them.
import { useMemo, useState } from "react";
import { SEARCHED, type SweepTrial } from "@/lib/sweeps";
import { Chart, type ChartOption } from "../Chart";

type Key = (typeof SEARCHED)[number]["key"];
const labelOf = (k: Key) => SEARCHED.find((s) => s.key === k)!.label;
const valAcc = (t: SweepTrial) => t.finalValAcc;

export function Heatmap({ trials }: { trials: SweepTrial[] }) {
  const [x, setX] = useState<Key>("learningRate");
  const [y, setY] = useState<Key>("hiddenSize");
  const option = useMemo<ChartOption>(() => {
    const xs = [...new Set(trials.map((t) => t.hyperparameters[x]))].sort((a, b) => a - b);
    const ys = [...new Set(trials.map((t) => t.hyperparameters[y]))].sort((a, b) => a - b);
    // Each cell: the best validation accuracy among the trials with that pair of values.
    const cells = new Map<string, number>();
    for (const t of trials) {
      const acc = valAcc(t);
      if (acc === null) continue;
      const key = `${t.hyperparameters[x]}|${t.hyperparameters[y]}`;
      cells.set(key, Math.max(cells.get(key) ?? 0, acc));
    }
    const data = [...cells].map(([key, acc]) => {
      const [vx, vy] = key.split("|").map(Number) as [number, number];
      return [xs.indexOf(vx), ys.indexOf(vy), Number((acc * 100).toFixed(2))];
    });
    return {
      animation: false,
      tooltip: {
        position: "top",
        formatter: (p: { value: number[] }) =>
          `${labelOf(x)} ${xs[p.value[0]!]}, ${labelOf(y)} ${ys[p.value[1]!]}: ${p.value[2]}%`,
      },
      grid: { left: 80, right: 30, top: 20, bottom: 80 },
      xAxis: {
        type: "category",
        data: xs.map(String),
        name: labelOf(x),
        nameLocation: "middle",
        nameGap: 30,
        splitArea: { show: true },
      },
      yAxis: { type: "category", data: ys.map(String), name: labelOf(y), splitArea: { show: true } },
      visualMap: {
        min: 0,
        max: Math.max(10, ...data.map((d) => d[2]!)),
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        text: ["val %", ""],
      },
      series: [
        { type: "heatmap", data, label: { show: true, formatter: (p: { value: number[] }) => `${p.value[2]}` } },
      ],
    };
  }, [trials, x, y]);
  const select = (value: Key, set: (k: Key) => void, label: string) => (
    <select value={value} onChange={(e) => set(e.target.value as Key)} aria-label={label}>
      {SEARCHED.map((s) => (
        <option key={s.key} value={s.key}>
          {s.label}
        </option>
      ))}
    </select>
  );
  return (
    <div className="card">
      <h2>
        Validation accuracy by {labelOf(x)} × {labelOf(y)}
      </h2>
      <div className="toolbar">
        {select(x, setX, "Heatmap x axis")} × {select(y, setY, "Heatmap y axis")}
        <span className="muted">each cell: the best trial with those values</span>
      </div>
      <Chart option={option} height={320} label="heatmap" />
    </div>
  );
}

export function ParallelCoordinates({ trials }: { trials: SweepTrial[] }) {
  const option = useMemo<ChartOption>(() => {
    const done = trials.filter((t) => valAcc(t) !== null);
    const logAxis = (k: Key) => k === "learningRate" || k === "reg";
    return {
      animation: false,
      parallelAxis: [
        ...SEARCHED.map((s, dim) => ({
          dim,
          name: s.label,
          // Learning rates and regularization strengths span decades: a log axis, with 0 shown at its floor.
          ...(logAxis(s.key) ? { type: "log", min: (v: { min: number }) => v.min } : { type: "value", scale: true }),
        })),
        { dim: SEARCHED.length, name: "Val acc %", type: "value", min: 0, max: 100 },
      ],
      parallel: { left: 60, right: 80, top: 40, bottom: 30 },
      visualMap: {
        show: false,
        dimension: SEARCHED.length,
        min: 0,
        max: 100,
        inRange: { color: ["#d94e5d", "#eac736", "#50a3ba"].reverse() },
      },
      series: [
        {
          type: "parallel",
          lineStyle: { width: 2, opacity: 0.7 },
          data: done.map((t) => [
            ...SEARCHED.map((s) =>
              logAxis(s.key) ? Math.max(t.hyperparameters[s.key], 1e-8) : t.hyperparameters[s.key],
            ),
            Number(((valAcc(t) ?? 0) * 100).toFixed(2)),
          ]),
        },
      ],
    };
  }, [trials]);
  return (
    <div className="card">
      <h2>Hyperparameters → validation accuracy</h2>
      <Chart option={option} height={320} label="parallel" />
    </div>
  );
}
