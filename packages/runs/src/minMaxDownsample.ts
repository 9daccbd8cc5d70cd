// The one way a loss series is thinned, wherever it is (the trainer's live batches, the API's merged
// batches and stored history, the dashboard's growing curve): each bucket keeps its lowest and its
// highest point, so a divergence spike survives 100,000 iterations drawn as 1,000 points. Even spacing
// and bucket means both let a one-iteration spike fall between samples or be averaged away.
//
// No imports: the dashboard bundles this module too (@trainql/runs/minMaxDownsample).

/**
 * Indices of at most `max` of `n` values: the last (the newest loss) always, and for each of
 * ⌊(max − 1) / 2⌋ equal buckets of the others, the index of its smallest and of its largest value, in
 * order. A value that is not a number (NaN: where a run diverged) counts as the largest.
 */
export function minMaxIndices(n: number, valueAt: (i: number) => number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max < 1) return [];
  const buckets = Math.floor((max - 1) / 2);
  const kept: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * (n - 1)) / buckets);
    const end = Math.floor(((b + 1) * (n - 1)) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = valueAt(i);
      if (v < valueAt(lo)) lo = i;
      if (Number.isNaN(v) ? !Number.isNaN(valueAt(hi)) : v > valueAt(hi)) hi = i;
    }
    if (lo === hi) kept.push(lo);
    else kept.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  kept.push(n - 1);
  return kept;
}

/** At most `max` of `points` ([x, y] pairs in x order), each bucket's lowest and highest kept. */
export function minMaxDownsample(points: readonly [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points.slice();
  return minMaxIndices(points.length, (i) => (points[i] as [number, number])[1], max).map(
    (i) => points[i] as [number, number],
  );
}

/** At most `max` [iteration, loss] points of values[i], the loss of iteration from + i. */
export function minMaxDownsampleValues(from: number, values: ArrayLike<number>, max: number): [number, number][] {
  return minMaxIndices(values.length, (i) => values[i] as number, max).map((i) => [from + i, values[i] as number]);
}
