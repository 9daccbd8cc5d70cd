// Min/max downsampling against a reference written here the plain way (slices and Math.min/max), and
// the property it exists for: a one-iteration spike survives 100,000 iterations drawn as 1,000 points.
import { describe, expect, it } from "vitest";
import { minMaxDownsample, minMaxDownsampleValues } from "../src/minMaxDownsample.ts";

/**
 * The specification, spelled out: the points before the last grouped into equal spans of x from the
 * first point's to the last's, each span's min and max, then the last.
 */
function reference(points: [number, number][], max: number): number[] {
  if (points.length <= max) return points.map((_, i) => i);
  const buckets = Math.floor((max - 1) / 2);
  const x0 = points[0]![0];
  const width = (points.at(-1)![0] - x0) / buckets;
  const kept: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const members = points
      .slice(0, -1)
      .map(([x, y], i) => ({ x, y, i }))
      .filter(({ x }) => Math.min(buckets - 1, Math.floor((x - x0) / width)) === b);
    if (members.length === 0) continue;
    const ys = members.map((m) => m.y);
    const lo = members[ys.indexOf(Math.min(...ys))]!.i;
    const hi = members[ys.indexOf(Math.max(...ys))]!.i;
    kept.push(...new Set([lo, hi].sort((a, c) => a - c)));
  }
  return [...kept, points.length - 1];
}

// A noisy, decaying loss curve from a fixed seed (mulberry32), so every run of the test sees the same.
function noisyLoss(n: number, seed: number): number[] {
  let s = seed;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, (_, i) => 2.3 * Math.exp(-i / (n / 3)) + 0.3 * random());
}

describe("minMaxDownsample", () => {
  it.each([
    [10_000, 1000],
    [5_001, 100],
    [1_234, 7],
    [999, 998],
  ])("equals the reference on %i noisy points down to %i", (n, max) => {
    const values = noisyLoss(n, n);
    const points = values.map((v, i): [number, number] => [i * 20, v]);
    const got = minMaxDownsample(points, max);
    expect(got.length).toBeLessThanOrEqual(max);
    expect(got).toEqual(reference(points, max).map((i) => points[i]));
    const atIterations = values.map((v, i): [number, number] => [40 + i, v]);
    expect(minMaxDownsampleValues(40, values, max)).toEqual(reference(atIterations, max).map((i) => atIterations[i]));
  });

  it("keeps a spike at iteration 73,456 of 100,000 drawn as 1,000 points, and the newest loss", () => {
    const values = noisyLoss(100_000, 7);
    values[73_456] = 1e6;
    const got = minMaxDownsampleValues(0, values, 1000);
    expect(got.length).toBeLessThanOrEqual(1000);
    expect(got).toContainEqual([73_456, 1e6]);
    expect(got.at(-1)).toEqual([99_999, values[99_999]]);
    // Evenly spaced samples, what the trainer and the API kept before, lose it.
    const even = Array.from({ length: 1000 }, (_, i) => values[i * 100]!);
    expect(Math.max(...even)).toBeLessThan(3);
  });

  it("keeps a dip, and a loss that is not a number (where a run diverged)", () => {
    const values = noisyLoss(50_000, 3);
    values[12_345] = -5;
    values[40_000] = Number.NaN;
    const got = minMaxDownsampleValues(100, values, 200);
    expect(got).toContainEqual([12_445, -5]);
    expect(got.some(([it, loss]) => it === 40_100 && Number.isNaN(loss))).toBe(true);
  });

  it("keeps a sparse older part when merged with a dense newer one, however often merged again", () => {
    // As the API merges a second of loss batches: 100 points over 2,000 iterations, then batches of 20
    // over 20 iterations each, thinned to 100 after every merge.
    let merged: [number, number][] = noisyLoss(100, 5).map((y, i) => [i * 20, y]);
    for (let batch = 0; batch < 30; batch++) {
      const from = 2000 + batch * 20;
      const points = noisyLoss(20, batch).map((y, i): [number, number] => [from + i, y]);
      merged = minMaxDownsample([...merged, ...points], 100);
    }
    // No stretch of the 2,600 iterations is left without points: the widest gap is a few spans.
    const gaps = merged.slice(1).map(([x], i) => x - merged[i]![0]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual((3 * 2600) / 49);
    expect(merged[0]![0]).toBeLessThan(60);
  });

  it("returns short series whole, in order, as a copy", () => {
    const points: [number, number][] = [
      [0, 1],
      [1, 2],
    ];
    const got = minMaxDownsample(points, 5);
    expect(got).toEqual(points);
    expect(got).not.toBe(points);
    expect(minMaxDownsampleValues(3, [], 5)).toEqual([]);
  });
});
