// TensorBoard's debiased EMA written out as its formula, for the tests of the charts' smoothing (this
// package's unit test and the browser test): point n is the weighted mean of points 0…n with
// weights (1 − w)·w^(n−k), divided by the weights' sum 1 − w^(n+1). Deliberately the slow, direct
// form, independent of lib/charts/smoothing.ts.
export function debiasedEmaReference(ys: number[], w: number): number[] {
  return ys.map((_, n) => {
    let sum = 0;
    let weights = 0;
    for (let k = 0; k <= n; k++) {
      sum += (1 - w) * w ** (n - k) * ys[k]!;
      weights += (1 - w) * w ** (n - k);
    }
    return sum / weights;
  });
}
