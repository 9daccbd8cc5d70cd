// Loss curves are sent sampled: merged batches keep evenly spaced points, so a merged event costs what
// one batch does.

/** Evenly spaced points of `points`, at most `max`, always the last (the newest loss). */
export function thinPoints(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const kept: [number, number][] = [];
  for (let i = 0; i < max - 1; i++) kept.push(points[Math.floor(i * step)] as [number, number]);
  kept.push(points[points.length - 1] as [number, number]);
  return kept;
}
