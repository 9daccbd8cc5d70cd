import { describe, expect, it } from "vitest";
import { compareLosses } from "../src/reproduction.ts";

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
