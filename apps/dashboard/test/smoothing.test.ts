// The smoothed curve against the formula written out directly: point n is the weighted mean of points
// 1…n with weights (1 − w)·w^(n−k), divided by the weights' sum 1 − w^n (TensorBoard's debiased EMA).
import { describe, expect, it } from "vitest";
import { MAX_SMOOTHING, smoothed } from "@/lib/charts/smoothing";
import { debiasedEmaReference as reference } from "./smoothingReference.ts";

const ys = Array.from({ length: 300 }, (_, i) => 2.3 * Math.exp(-i / 80) + 0.2 * Math.sin(i * 1.7));
const points = ys.map((y, i): [number, number] => [i * 10, y]);

describe("smoothed", () => {
  it.each([0.1, 0.6, 0.9, MAX_SMOOTHING])("equals the written-out weighted mean at weight %f", (w) => {
    const got = smoothed(points, w);
    const want = reference(ys, w);
    expect(got.map(([x]) => x)).toEqual(points.map(([x]) => x));
    for (const [i, [, y]] of got.entries()) expect(y).toBeCloseTo(want[i]!, 10);
  });

  it("is not biased toward zero at the start: the first point is the first value", () => {
    expect(smoothed(points, 0.9)[0]).toEqual(points[0]);
    // The plain EMA from 0 would give 0.1 × 2.3 here.
    expect(smoothed(points, 0.9)[1]![1]).toBeGreaterThan(2);
  });

  it("passes non-finite values through without letting them into the average", () => {
    const withNaN: [number, number][] = [
      [0, 1],
      [1, Number.NaN],
      [2, 3],
    ];
    const got = smoothed(withNaN, 0.5);
    expect(Number.isNaN(got[1]![1])).toBe(true);
    expect(got[2]![1]).toBeCloseTo(reference([1, 3], 0.5)[1]!, 12);
  });

  it("leaves the curve as it is at weight 0, and a constant curve at any weight", () => {
    expect(smoothed(points, 0)).toEqual(points);
    const flat: [number, number][] = [
      [0, 0.3],
      [1, 0.3],
      [2, 0.3],
    ];
    expect(smoothed(flat, 0.9)).toEqual(flat);
  });
});
