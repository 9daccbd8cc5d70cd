// A hyperparameter as every page prints it. Some are computed, not typed (a fork's learning rate is
// the parent's decayed: 0.01 · 0.95³ is 0.008573749999999999 in floating point), so six significant
// digits, which hold any value a person types, without the float noise; integers (sizes, lengths,
// seeds) exactly.
export function hyperparameterText(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}
