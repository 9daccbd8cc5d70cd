"use client";
// How validation accuracy depends on the hyperparameters: a heatmap over any two of them, and
// parallel coordinates over all of them.
import { useMemo, useState } from "react";
import { compactNumber } from "@/lib/compactNumber";
import type { SweepGroup } from "@/lib/groups";
import { hyperparameterText } from "@/lib/hyperparameterText";
import { SEARCHED, type SweepTrial } from "@/lib/sweeps";
import { bestBy, cutEarly } from "@/lib/trialRanking";
import type { RunStatus } from "@/lib/types";
import { Chart, type ChartOption } from "../Chart";

type Key = (typeof SEARCHED)[number]["key"];
const labelOf = (k: Key) => SEARCHED.find((s) => s.key === k)!.label;
const valAcc = (t: SweepTrial) => t.finalValAcc;
const CUT_EARLY = "measured before the end of training: cut at a rung, or waiting for one";

/** A configuration the sweep tried, scored as the API ranks it. */
interface Configuration {
  hyperparameters: SweepTrial["hyperparameters"];
  status: RunStatus;
  finalValAcc: number | null;
}

/**
 * Without seeds, each trial; with seeds, each trial's group (one per configuration), scored by its
 * mean over the seeds as the API ranks them: the best single seed made a lucky configuration look
 * better than the one the sweep chose. A group trained to the end if a member did (they move together).
 */
function configurations(trials: SweepTrial[], groups: SweepGroup[]): Configuration[] {
  if (groups.length === 0) return trials;
  const byId = new Map(trials.map((t) => [t.id, t]));
  return groups.flatMap((g) => {
    const member = g.runs.map((r) => byId.get(r.id)).find((t) => t !== undefined);
    if (!member) return [];
    const status = g.runs.some((r) => r.status === "SUCCEEDED") ? "SUCCEEDED" : member.status;
    return [{ hyperparameters: member.hyperparameters, status, finalValAcc: g.stats.finalValAcc.mean }];
  });
}

export function Heatmap({ trials, groups }: { trials: SweepTrial[]; groups: SweepGroup[] }) {
  const [x, setX] = useState<Key>("learningRate");
  const [y, setY] = useState<Key>("hiddenSize");
  const seeded = groups.length > 0;
  const option = useMemo<ChartOption>(() => {
    const xs = [...new Set(trials.map((t) => t.hyperparameters[x]))].sort((a, b) => a - b);
    const ys = [...new Set(trials.map((t) => t.hyperparameters[y]))].sort((a, b) => a - b);
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
        formatter: (p: { value: number[] }) =>
          `${labelOf(x)} ${hyperparameterText(xs[p.value[0]!]!)}, ${labelOf(y)} ${hyperparameterText(ys[p.value[1]!]!)}: ${p.value[2]}%${seeded ? " (mean over the seeds)" : ""}${p.value[3] ? ` (${CUT_EARLY})` : ""}`,
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
      visualMap: {
        // The accuracy, not the cut-early flag after it.
        dimension: 2,
        min: 0,
        max: Math.max(10, ...data.map((d) => d[2]!)),
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        itemHeight: 160,
        text: ["val %", ""],
      },
      series: [
        {
          type: "heatmap",
          data,
          label: { show: true, formatter: (p: { value: number[] }) => `${p.value[2]}${p.value[3] ? "*" : ""}` },
        },
      ],
    };
  }, [trials, groups, seeded, x, y]);
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
          each cell: the best{" "}
          {seeded ? "trial with those values by its mean over the seeds" : "trial with those values"}, trained to the
          end if any was (* {CUT_EARLY})
        </span>
      </div>
      <Chart
        option={option}
        height={320}
        name="heatmap"
        label={`Heatmap of validation accuracy by ${labelOf(x)} and ${labelOf(y)}`}
      />
    </div>
  );
}

export function ParallelCoordinates({ trials }: { trials: SweepTrial[] }) {
  const option = useMemo<ChartOption>(() => {
    const done = trials.filter((t) => valAcc(t) !== null);
    // Each searched knob is a category axis of the values tried: a sweep tries a few values per knob,
    // often decades apart, so they are spaced evenly and labelled exactly (a value axis spread one
    // value over 0.6–1.6, and a log axis printed its ticks as long decimals that collided).
    const valuesOf = (k: Key) => [...new Set(trials.map((t) => t.hyperparameters[k]))].sort((a, b) => a - b);
    return {
      animation: false,
      tooltip: { confine: true },
      parallelAxis: [
        ...SEARCHED.map((s, dim) => ({
          dim,
          name: s.label,
          type: "category",
          data: valuesOf(s.key).map(compactNumber),
        })),
        { dim: SEARCHED.length, name: "Val acc %", type: "value", min: 0, max: 100 },
      ],
      parallel: { left: 40, right: 60, top: 40, bottom: 30, parallelAxisDefault: { nameGap: 12 } },
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
            ...SEARCHED.map((s) => compactNumber(t.hyperparameters[s.key])),
            Number(((valAcc(t) ?? 0) * 100).toFixed(2)),
          ]),
        },
      ],
    };
  }, [trials]);
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
