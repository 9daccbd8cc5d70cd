"use client";
// How validation accuracy depends on the hyperparameters: a heatmap over any two of them (a scatter
// plot when their values were drawn from a range), and parallel coordinates over all of them.
import type { SearchRange } from "@trainql/nn";
import type { HyperparameterName } from "@trainql/nn/hyperparameters";
import { useMemo, useState } from "react";
import { accuracyScale } from "@/lib/charts/accuracyScale";
import type { SweepGroup } from "@/lib/groups/groups";
import { SEARCHED, type SweepTrial } from "@/lib/sweeps/sweeps";
import { bestBy, type Configuration, configurations, cutEarly } from "@/lib/sweeps/trialRanking";
import { axisTick, compactNumber } from "@/lib/text/compactNumber";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { Chart, type ChartOption } from "../Chart";

type Key = (typeof SEARCHED)[number]["key"];
const labelOf = (k: Key) => SEARCHED.find((s) => s.key === k)!.label;
const valAcc = (t: SweepTrial) => t.finalValAcc;
const CUT_EARLY = "measured before the end of training: cut at a rung, or waiting for one";

const distinct = (trials: SweepTrial[], k: Key) =>
  [...new Set(trials.map((t) => t.hyperparameters[k]))].sort((a, b) => a - b);

/** The knobs a sweep drew from a range, by hyperparameter, and their ranges. */
export type DrawnRanges = ReadonlyMap<HyperparameterName, SearchRange>;

/**
 * A knob drawn from a range has a new value per trial, too many for a category axis: it goes on a value
 * axis spanning its range, logarithmic for a LOG range (on a linear one, the small decades crowd into a
 * corner), its ends labelled.
 */
const rangeAxis = (range: SearchRange) => ({
  type: range.scale === "LOG" ? "log" : "value",
  min: range.min,
  max: range.max,
  axisLabel: { formatter: axisTick, showMinLabel: true, showMaxLabel: true },
});

/** A cell's or a point's tooltip: its two values, its accuracy and how it was measured. */
const scoreText = ([x, vx]: [Key, number], [y, vy]: [Key, number], accuracy: number, cut: number, seeded: boolean) =>
  `${labelOf(x)} ${hyperparameterText(vx)}, ${labelOf(y)} ${hyperparameterText(vy)}: ${accuracy.toFixed(2)}%${seeded ? " (mean over the seeds)" : ""}${cut ? ` (${CUT_EARLY})` : ""}`;

export function Heatmap({ trials, groups, drawn }: { trials: SweepTrial[]; groups: SweepGroup[]; drawn: DrawnRanges }) {
  const [x, setX] = useState<Key>("learningRate");
  const [y, setY] = useState<Key>("hiddenSize");
  const seeded = groups.length > 0;
  const xs = useMemo(() => distinct(trials, x), [trials, x]);
  const ys = useMemo(() => distinct(trials, y), [trials, y]);
  const scatter = drawn.has(x) || drawn.has(y);
  const option = useMemo<ChartOption>(() => {
    if (scatter)
      return scatterOption(
        configurations(trials, groups),
        { key: x, values: xs },
        { key: y, values: ys },
        drawn,
        seeded,
      );
    // Each cell: its best configuration by the sweep's ranking, flagged when cut before the end of training.
    const cells = bestBy(configurations(trials, groups), (t) => `${t.hyperparameters[x]}|${t.hyperparameters[y]}`);
    const data = [...cells.values()].map((t) => [
      xs.indexOf(t.hyperparameters[x]),
      ys.indexOf(t.hyperparameters[y]),
      Number(((t.finalValAcc ?? 0) * 100).toFixed(2)),
      cutEarly(t) ? 1 : 0,
    ]);
    return {
      animation: false,
      tooltip: {
        position: "top",
        confine: true,
        formatter: ({ value: v }: { value: number[] }) =>
          scoreText([x, xs[v[0]!]!], [y, ys[v[1]!]!], v[2]!, v[3]!, seeded),
      },
      // The colour scale stands at the right, clear of the x axis' name.
      grid: { left: 70, right: 90, top: 30, bottom: 50 },
      xAxis: {
        type: "category",
        data: xs.map(compactNumber),
        name: labelOf(x),
        nameLocation: "middle",
        nameGap: 30,
        splitArea: { show: true },
      },
      yAxis: { type: "category", data: ys.map(compactNumber), name: labelOf(y), splitArea: { show: true } },
      visualMap: accuracyScale(
        [...cells.values()].flatMap((t) => (t.finalValAcc === null ? [] : [t.finalValAcc * 100])),
      ),
      series: [
        {
          type: "heatmap",
          data,
          label: {
            show: true,
            formatter: (p: { value: number[] }) => `${p.value[2]!.toFixed(2)}%${p.value[3] ? "*" : ""}`,
          },
        },
      ],
    };
  }, [trials, groups, seeded, x, y, xs, ys, scatter, drawn]);
  // One parameter on both axes says nothing: each list leaves out the other axis' choice.
  const select = (value: Key, other: Key, set: (k: Key) => void, label: string) => (
    <select value={value} onChange={(e) => set(e.target.value as Key)} aria-label={label}>
      {SEARCHED.filter((s) => s.key !== other).map((s) => (
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
        {select(x, y, setX, "Heatmap x axis")} × {select(y, x, setY, "Heatmap y axis")}
        <span className="muted">
          {scatter
            ? `each point: a ${seeded ? "trial, by its mean over the seeds" : "trial"}; hollow: ${CUT_EARLY}`
            : `each cell: the best ${seeded ? "trial with those values by its mean over the seeds" : "trial with those values"}, trained to the end if any was (* ${CUT_EARLY})`}
        </span>
      </div>
      <Chart
        option={option}
        height={320}
        name={scatter ? "scatter" : "heatmap"}
        label={`${scatter ? "Scatter plot" : "Heatmap"} of validation accuracy by ${labelOf(x)} and ${labelOf(y)}`}
      />
    </div>
  );
}

/**
 * Each configuration a point at its two values, coloured by accuracy, as CS231n plots a random search.
 * A drawn knob's axis spans its range; a listed knob's stays a category axis of its few values.
 */
function scatterOption(
  configs: Configuration[],
  x: { key: Key; values: number[] },
  y: { key: Key; values: number[] },
  drawn: DrawnRanges,
  seeded: boolean,
): ChartOption {
  const axis = ({ key, values }: { key: Key; values: number[] }) => {
    const range = drawn.get(key);
    const shown = range ? rangeAxis(range) : { type: "category", data: values.map(compactNumber) };
    // A category axis places a point by its value's index.
    const at = (v: number) => (range ? v : values.indexOf(v));
    return { option: { ...shown, name: labelOf(key) }, at };
  };
  const [xAxis, yAxis] = [axis(x), axis(y)];
  // [x on its axis, y on its axis, accuracy %, cut early, x, y]
  const data = configs
    .filter((c) => c.finalValAcc !== null)
    .map((c) => {
      const [vx, vy] = [c.hyperparameters[x.key], c.hyperparameters[y.key]];
      return [xAxis.at(vx), yAxis.at(vy), Number(((c.finalValAcc ?? 0) * 100).toFixed(2)), cutEarly(c) ? 1 : 0, vx, vy];
    });
  return {
    animation: false,
    tooltip: {
      confine: true,
      formatter: ({ value: v }: { value: number[] }) => scoreText([x.key, v[4]!], [y.key, v[5]!], v[2]!, v[3]!, seeded),
    },
    grid: { left: 70, right: 90, top: 30, bottom: 50 },
    xAxis: { ...xAxis.option, nameLocation: "middle", nameGap: 30 },
    yAxis: yAxis.option,
    // The points' colours; the hollow centres keep theirs.
    visualMap: { ...accuracyScale(data.map((d) => d[2]!)), seriesIndex: 0 },
    series: [
      // Outlined: the palest colours (the lowest accuracies) vanished into the background.
      { type: "scatter", data, symbolSize: 12, itemStyle: { borderColor: "#888", borderWidth: 1 } },
      // A trial cut early is drawn hollow: its accuracy was measured after fewer iterations.
      {
        type: "scatter",
        data: data.filter((d) => d[3]),
        symbolSize: 6,
        itemStyle: { color: "#fff" },
        silent: true,
        z: 3,
      },
    ],
  };
}

export function ParallelCoordinates({ trials, drawn }: { trials: SweepTrial[]; drawn: DrawnRanges }) {
  const option = useMemo<ChartOption>(() => {
    const done = trials.filter((t) => valAcc(t) !== null);
    // Each searched knob is a category axis of the values tried: a sweep tries a few values per knob,
    // often decades apart, so they are spaced evenly and labelled exactly (a value axis spread one
    // value over 0.6–1.6, and a log axis printed its ticks as long decimals that collided).
    const axes = SEARCHED.map((s) => ({ ...s, values: distinct(trials, s.key), range: drawn.get(s.key) }));
    return {
      animation: false,
      tooltip: { confine: true },
      parallelAxis: [
        ...axes.map((a, dim) =>
          a.range
            ? { dim, name: a.label, ...rangeAxis(a.range) }
            : { dim, name: a.label, type: "category", data: a.values.map(compactNumber) },
        ),
        { dim: SEARCHED.length, name: "Val acc %", type: "value", min: 0, max: 100 },
      ],
      // (Top: room for the axis names below the PNG button.)
      parallel: { left: 40, right: 60, top: 64, bottom: 30, parallelAxisDefault: { nameGap: 12 } },
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
            ...axes.map((a) => (a.range ? t.hyperparameters[a.key] : compactNumber(t.hyperparameters[a.key]))),
            Number(((valAcc(t) ?? 0) * 100).toFixed(2)),
          ]),
        },
      ],
    };
  }, [trials, drawn]);
  return (
    <div className="card">
      <h2>Hyperparameters → validation accuracy</h2>
      <Chart
        option={option}
        height={320}
        name="parallel"
        label="Parallel coordinates: each trial's hyperparameters and validation accuracy"
      />
    </div>
  );
}
