import { describe, expect, it } from "vitest";
import { bestOf, rankTrials } from "../src/sweeps/trialRanking.ts";

type Status = "SUCCEEDED" | "FAILED" | "CANCELLED";
const run = (id: string, groupId: string | null, status: Status, finalValAcc: number | null = null) => ({
  id,
  groupId,
  status,
  finalValAcc,
});
const succeeded = (r: { status: Status }) => r.status === "SUCCEEDED";

describe("a sweep's ranking of its trials", () => {
  it("ranks groups by their mean validation accuracy, not by their luckiest seed, and tests every member", () => {
    const runs = [
      run("a1", "A", "SUCCEEDED", 0.9), // A: lucky seed, mean 0.6
      run("a2", "A", "SUCCEEDED", 0.3),
      run("b1", "B", "SUCCEEDED", 0.7), // B: mean 0.705
      run("b2", "B", "SUCCEEDED", 0.71),
    ];
    expect(bestOf(rankTrials(runs, succeeded))).toEqual({ best: runs[3], evaluate: ["b2", "b1"] });
  });

  it("without groups picks the single best trial and tests only it; one without a result is not ranked", () => {
    const runs = [run("x", null, "SUCCEEDED", 0.4), run("y", null, "SUCCEEDED", 0.5), run("z", null, "FAILED")];
    expect(rankTrials(runs, succeeded).map((t) => t.counted.map((m) => m.id))).toEqual([["y"], ["x"]]);
    expect(bestOf(rankTrials(runs, succeeded))).toEqual({ best: runs[1], evaluate: ["y"] });
  });

  it("judges a group over all its seeds: one that diverged on some loses to one that completed on all", () => {
    const runs = [
      run("a1", "A", "SUCCEEDED", 0.52), // A: the one seed that did not diverge
      run("a2", "A", "FAILED"),
      run("a3", "A", "FAILED"),
      run("b1", "B", "SUCCEEDED", 0.51),
      run("b2", "B", "SUCCEEDED", 0.51),
      run("b3", "B", "SUCCEEDED", 0.51),
    ];
    const ranked = rankTrials(runs, succeeded);
    expect(ranked.map((t) => [t.counted.map((m) => m.id), t.members])).toEqual([
      [["b1", "b2", "b3"], 3],
      [["a1"], 3],
    ]);
    expect(bestOf(ranked)).toEqual({ best: runs[3], evaluate: ["b1", "b2", "b3"] });
  });

  it("counts a cancelled member against its group as a failed one; among incomplete groups the fewest missing first", () => {
    const runs = [
      run("c1", "C", "SUCCEEDED", 0.6), // one missing (cancelled)
      run("c2", "C", "SUCCEEDED", 0.6),
      run("c3", "C", "CANCELLED"),
      run("d1", "D", "SUCCEEDED", 0.7), // two missing
      run("d2", "D", "FAILED"),
      run("d3", "D", "CANCELLED"),
      run("e1", "E", "SUCCEEDED", 0.5), // complete
      run("e2", "E", "SUCCEEDED", 0.5),
      run("e3", "E", "SUCCEEDED", 0.5),
      run("f1", "F", "FAILED"), // nothing to rank
      run("f2", "F", "FAILED"),
      run("f3", "F", "FAILED"),
    ];
    expect(rankTrials(runs, succeeded).map((t) => [t.counted[0]?.groupId, t.valAcc])).toEqual([
      ["E", 0.5],
      ["C", 0.6],
      ["D", 0.7],
    ]);
  });

  it("breaks ties by the order the trials were queued", () => {
    const runs = [run("p", "P", "SUCCEEDED", 0.5), run("q", "Q", "SUCCEEDED", 0.5), run("p2", "P", "SUCCEEDED", 0.5)];
    expect(rankTrials(runs, succeeded).map((t) => t.counted.map((m) => m.id))).toEqual([["p", "p2"], ["q"]]);
  });
});
