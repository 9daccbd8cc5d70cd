// A sweep's trials ranked by the API's rule for its best model (bestOf): only a trial trained to the
// end (SUCCEEDED) can be it, so one cut at an early rung ranks after every such trial, whatever the
// accuracy measured at its rung.
import { describe, expect, it } from "vitest";
import type { SweepGroup } from "@/lib/groups/groups";
import type { SweepTrial } from "@/lib/sweeps/sweeps";
import { bestBy, configurations, cutEarly, rankGroups, topTrials, trialsBestFirst } from "@/lib/sweeps/trialRanking";
import type { RunStatus } from "@/lib/types";

const trial = (id: string, status: RunStatus, finalValAcc: number | null, cell = id) => ({
  id,
  status,
  finalValAcc,
  cell,
});

// Successive halving: "early" stopped at rung 0 with an accuracy above the winner's.
const TRIALS = [
  trial("early", "STOPPED", 0.5),
  trial("winner", "SUCCEEDED", 0.45),
  trial("failed", "FAILED", null),
  trial("second", "SUCCEEDED", 0.4),
  trial("waiting", "PAUSED", 0.42),
];

describe("the trials' ranking", () => {
  it("puts the trials trained to the end first, each part by final validation accuracy, none last", () => {
    expect(trialsBestFirst(TRIALS).map((t) => t.id)).toEqual(["winner", "second", "early", "waiting", "failed"]);
  });

  it("picks the top curves by the same rule, only trials with an accuracy", () => {
    expect(topTrials(TRIALS, 3).map((t) => t.id)).toEqual(["winner", "second", "early"]);
    expect(topTrials(TRIALS, 10).map((t) => t.id)).toEqual(["winner", "second", "early", "waiting"]);
  });

  it("fills each heatmap cell with its best trial by the same rule", () => {
    const cells = bestBy(
      [trial("early", "STOPPED", 0.5, "a"), trial("winner", "SUCCEEDED", 0.45, "a"), trial("cut", "STOPPED", 0.3, "b")],
      (t) => t.cell,
    );
    expect([...cells].map(([cell, t]) => [cell, t.id])).toEqual([
      ["a", "winner"],
      ["b", "cut"],
    ]);
  });

  it("tells a trial whose accuracy was measured before the end", () => {
    expect(TRIALS.filter(cutEarly).map((t) => t.id)).toEqual(["early", "waiting"]);
  });
});

describe("the seed groups' ranking", () => {
  const group = (id: string, ...members: [RunStatus, number | null][]) => ({
    id,
    runs: members.map(([status, finalValAcc], i) => ({ id: `${id}${i}`, status, finalValAcc })),
  });

  it("puts groups whose every seed finished first, then by mean, as the sweep picks; none finished last", () => {
    const groups = [
      group("waiting", ["RUNNING", null], ["QUEUED", null]),
      group("lucky", ["SUCCEEDED", 0.52], ["FAILED", null], ["FAILED", null]),
      group("stable", ["SUCCEEDED", 0.51], ["SUCCEEDED", 0.51], ["SUCCEEDED", 0.51]),
      group("worse", ["SUCCEEDED", 0.4], ["SUCCEEDED", 0.42], ["SUCCEEDED", 0.41]),
    ];
    expect(rankGroups(groups).map((g) => g.id)).toEqual(["stable", "worse", "lucky", "waiting"]);
  });
});

describe("a seeded sweep's configurations, as its charts score them", () => {
  const member = (id: string, status: RunStatus, finalValAcc: number | null, learningRate: number) =>
    ({ id, status, finalValAcc, hyperparameters: { learningRate } }) as unknown as SweepTrial;
  const group = (id: string, mean: number | null, ...runs: SweepTrial[]) =>
    ({ id, runs, stats: { finalValAcc: { mean, std: null, n: 0 } } }) as unknown as SweepGroup;
  const trials = [
    member("a0", "SUCCEEDED", 0.4, 0.1),
    member("a1", "SUCCEEDED", 0.44, 0.1),
    member("b0", "STOPPED", 0.3, 0.5),
    member("b1", "STOPPED", 0.2, 0.5),
    member("c0", "QUEUED", null, 0.9),
  ];
  const groups = [
    group("a", 0.42, trials[0]!, trials[1]!),
    group("b", null, trials[2]!, trials[3]!),
    group("c", null, trials[4]!),
  ];

  it("scores a group trained to the end by the API's mean, and one cut at a rung by what its members measured there", () => {
    const scored = configurations(trials, groups);
    expect(scored.map((c) => [c.hyperparameters.learningRate, c.status, c.finalValAcc])).toEqual([
      [0.1, "SUCCEEDED", 0.42],
      // (The API's mean is over SUCCEEDED members: a cut group had none, and was left off the charts.)
      [0.5, "STOPPED", 0.25],
      [0.9, "QUEUED", null],
    ]);
    expect(scored.filter(cutEarly).map((c) => c.hyperparameters.learningRate)).toEqual([0.5]);
  });
});
