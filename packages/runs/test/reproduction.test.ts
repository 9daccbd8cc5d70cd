import { describe, expect, it } from "vitest";
import { compareLosses } from "../src/reproduction.ts";
import { bestOf, byTrial } from "../src/sweeps/advanceSweep.ts";

const f32 = (values: number[]) => Float32Array.from(values);

describe("compareLosses", () => {
  it("calls equal series bit-identical", () => {
    const losses = f32([2.3, 2.1, 1.9, Number.NaN]);
    expect(compareLosses(losses, f32([2.3, 2.1, 1.9, Number.NaN]))).toEqual({
      identical: true,
      firstDifferenceIteration: null,
      firstDifference: null,
      maxAbsDifference: 0,
    });
  });

  it("reports the first differing iteration, its signed difference and the largest one", () => {
    const original = f32([2.3, 2.1, 1.9, 1.8, 1.7]);
    const reproduction = f32([2.3, 2.1, 1.9 + 1e-6, 1.8 - 0.5, 1.7]);
    const result = compareLosses(original, reproduction);
    expect(result.identical).toBe(false);
    expect(result.firstDifferenceIteration).toBe(2);
    expect(result.firstDifference).toBe((reproduction[2] as number) - (original[2] as number));
    expect(result.firstDifference).toBeGreaterThan(0);
    expect(result.maxAbsDifference).toBe(Math.abs((reproduction[3] as number) - (original[3] as number)));
  });

  it("tells one ulp apart and -0 from +0: it compares bits, not values", () => {
    const a = f32([1]);
    const b = new Float32Array(new Uint32Array([new Uint32Array(a.buffer)[0]! + 1]).buffer);
    expect(compareLosses(a, b).firstDifferenceIteration).toBe(0);
    expect(compareLosses(f32([0]), f32([-0])).identical).toBe(false);
  });

  it("counts a missing iteration as a difference where the shorter series ends", () => {
    const result = compareLosses(f32([1, 2, 3]), f32([1, 2]));
    expect(result).toMatchObject({ identical: false, firstDifferenceIteration: 2, firstDifference: null });
    expect(result.maxAbsDifference).toBe(0);
  });

  it("reports a NaN on one side as an infinite difference", () => {
    expect(compareLosses(f32([1, 2]), f32([1, Number.NaN])).maxAbsDifference).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("a sweep's best trial with seeds", () => {
  it("ranks groups by their mean validation accuracy, not by their luckiest seed, and tests every member", () => {
    const trials = [
      { id: "a1", groupId: "A", finalValAcc: 0.9 }, // A: lucky seed, mean 0.6
      { id: "a2", groupId: "A", finalValAcc: 0.3 },
      { id: "b1", groupId: "B", finalValAcc: 0.7 }, // B: mean 0.7
      { id: "b2", groupId: "B", finalValAcc: 0.71 },
    ];
    expect(bestOf(trials)).toEqual({ best: trials[3], evaluate: ["b2", "b1"] });
  });

  it("without groups picks the single best trial and tests only it", () => {
    const trials = [
      { id: "x", groupId: null, finalValAcc: 0.4 },
      { id: "y", groupId: null, finalValAcc: 0.5 },
    ];
    expect(bestOf(trials)).toEqual({ best: trials[1], evaluate: ["y"] });
  });

  it("makes each group one trial for successive halving, scored by the mean of the members that have a score", () => {
    const runs = [
      { id: "a1", groupId: "A", finalValAcc: 0.5 },
      { id: "x", groupId: null, finalValAcc: 0.6 },
      { id: "a2", groupId: "A", finalValAcc: 0.7 },
      { id: "b1", groupId: "B", finalValAcc: null },
    ];
    expect(byTrial(runs)).toEqual([
      { members: [runs[0], runs[2]], valAcc: 0.6 },
      { members: [runs[1]], valAcc: 0.6 },
      { members: [runs[3]], valAcc: null },
    ]);
  });
});
