// Curve smoothing as TensorBoard does it since its fix (tensorboard#610, #1127): an exponential moving
// average divided by 1 − w^n, so the first points are not pulled toward zero (the plain EMA starts
// from 0, so its early values are biased low until the weights of later points add up).

export const MAX_SMOOTHING = 0.99;

/**
 * The debiased EMA of `points`' y values, with weight `weight` (0: the raw curve, toward 1: smoother).
 * Points whose value is not finite are passed through as they are and do not enter the average; so is
 * a constant series (the debiasing would only add rounding noise).
 */
export function smoothed(points: readonly [number, number][], weight: number): [number, number][] {
  if (!(weight > 0)) return points.slice();
  // At 1 the average would never move from its start: the slider stops short of it.
  const w = Math.min(weight, MAX_SMOOTHING);
  const constant = points.every(([, y]) => y === points[0]?.[1]);
  let last = 0;
  let count = 0;
  return points.map(([x, y]) => {
    if (constant || !Number.isFinite(y)) return [x, y];
    last = last * w + (1 - w) * y;
    count++;
    return [x, last / (1 - w ** count)];
  });
}
