// The rules for a sweep's settings (beyond each value being a valid hyperparameter), shared by the
// API, which enforces them, and the dashboard's form, which checks them before sending. No imports:
// the dashboard bundles this file for the browser (`@trainql/nn/sweepRules`).

/** The reference assignment's own limit on a grid. */
export const MAX_GRID = 256;
/** Values one knob of the search space may list. */
export const MAX_VALUES = 64;
export const ETA = { min: 2, max: 16 } as const;

export type SweepStrategyName = "GRID" | "RANDOM" | "SUCCESSIVE_HALVING";

export interface SweepSettingError {
  field: "eta" | "maxTrials" | "space";
  message: string;
}

/** Every problem with a sweep's strategy settings, given how many combinations its space has. */
export function checkSweepSettings(s: {
  strategy: SweepStrategyName;
  eta: number;
  maxTrials: number | null;
  combinations: number;
}): SweepSettingError[] {
  const errors: SweepSettingError[] = [];
  const { strategy, eta, maxTrials, combinations } = s;
  if (strategy === "SUCCESSIVE_HALVING" && !(Number.isInteger(eta) && eta >= ETA.min && eta <= ETA.max))
    errors.push({ field: "eta", message: `eta must be an integer from ${ETA.min} to ${ETA.max}; got ${eta}` });
  if (maxTrials !== null && !(Number.isInteger(maxTrials) && maxTrials >= 1 && maxTrials <= MAX_GRID))
    errors.push({
      field: "maxTrials",
      message: `maxTrials must be an integer from 1 to ${MAX_GRID}; got ${maxTrials}`,
    });
  else if (strategy === "RANDOM" && maxTrials === null)
    errors.push({ field: "maxTrials", message: "RANDOM needs maxTrials: how many combinations to sample" });
  else if (strategy === "GRID" && maxTrials !== null)
    errors.push({ field: "maxTrials", message: "GRID runs every combination; use RANDOM to sample maxTrials of them" });
  if (maxTrials === null && combinations > MAX_GRID)
    errors.push({
      field: "space",
      message: `the space has ${combinations} combinations; at most ${MAX_GRID} can run in full — use strategy RANDOM (or SUCCESSIVE_HALVING) with maxTrials ≤ ${MAX_GRID}, or fewer values`,
    });
  return errors;
}
