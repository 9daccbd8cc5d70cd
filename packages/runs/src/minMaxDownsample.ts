// The one way a loss series is thinned, wherever it is (the trainer's live batches, the API's merged
// batches and stored history, the dashboard's growing curve): each bucket keeps its lowest and its
// highest point, so a divergence spike survives 100,000 iterations drawn as 1,000 points. Even spacing
// and bucket means both let a one-iteration spike fall between samples or be averaged away.
//
// No imports: the dashboard bundles this module too (@trainql/runs/minMaxDownsample).

/**
 * Indices of at most `max` of `n` points in increasing x: the last (the newest loss) always, and of the
 * others, the smallest and the largest y of each of ⌊(max − 1) / 2⌋ equal spans of x from the first
 * point's to the last's, in order. Spans of x, not of point counts: a series merged from a sparse
 * older part and a dense newer one (the API merges batches) keeps its older part rather than thinning
 * it again at every merge. A y that is not a number (NaN: where a run diverged) counts as the largest.
 */
export function minMaxIndices(
  n: number,
  xAt: (i: number) => number,
  yAt: (i: number) => number,
  max: number,
): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max < 1) return [];
  const buckets = Math.floor((max - 1) / 2);
  const x0 = xAt(0);
  const span = xAt(n - 1) - x0;
  const kept: number[] = [];
  let bucket = -1;
  let lo = 0;
  let hi = 0;
  const flush = () => {
    if (bucket < 0) return;
    if (lo === hi) kept.push(lo);
    else kept.push(Math.min(lo, hi), Math.max(lo, hi));
  };
  for (let i = 0; i < n - 1; i++) {
    const b = Math.min(buckets - 1, Math.floor(((xAt(i) - x0) / span) * buckets));
    const y = yAt(i);
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = i;
      hi = i;
      continue;
    }
    if (y < yAt(lo)) lo = i;
    if (Number.isNaN(y) ? !Number.isNaN(yAt(hi)) : y > yAt(hi)) hi = i;
  }
  flush();
  kept.push(n - 1);
  return kept;
}

/** At most `max` of `points` ([x, y] pairs in increasing x), each span's lowest and highest kept. */
export function minMaxDownsample(points: readonly [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points.slice();
  const at = (i: number) => points[i] as [number, number];
  return minMaxIndices(
    points.length,
    (i) => at(i)[0],
    (i) => at(i)[1],
    max,
  ).map(at);
}

/** At most `max` [iteration, loss] points of values[i], the loss of iteration from + i. */
export function minMaxDownsampleValues(from: number, values: ArrayLike<number>, max: number): [number, number][] {
  return minMaxIndices(
    values.length,
    (i) => i,
    (i) => values[i] as number,
    max,
  ).map((i) => [from + i, values[i] as number]);
}
