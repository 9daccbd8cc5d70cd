// The new-sweep form's fields and their check: the form's text parsed by the API's own sweep schema
// (every field at once, named by its label) and, when valid, the input to send and what it will spend.

import { RANGE_FIELDS, SPACE_KNOBS, type SpaceField } from "@trainql/nn/searchSpace";
import { halvingIterations } from "@trainql/nn/successiveHalving";
import {
  ASSUMED_NUM_TRAIN,
  SWEEP_DEFAULTS,
  SWEEP_FIELDS,
  type SweepField,
  sweepInputOf,
  sweepRungs,
  sweepSettingsTextSchema,
  trialCount,
} from "@trainql/nn/sweepRules";
import { type FieldErrors, formErrors } from "@/lib/formErrors";
import type { Strategy } from "@/lib/sweeps/sweeps";

export type Field = SweepField;
const d = SWEEP_DEFAULTS;
/** What the form starts with: an example space, and the API's defaults for the rest. */
export const INITIAL: Record<Field, string> = {
  learningRates: "0.1, 0.5, 1",
  hiddenSizes: "64, 128",
  regs: "1e-5, 1e-4, 1e-3",
  learningRateDecays: d.learningRateDecays.join(", "),
  numIters: String(d.numIters),
  batchSize: String(d.batchSize),
  maxTrials: "",
  eta: String(d.eta),
  seed: String(d.seed),
  seeds: "",
};
export const FIELDS = Object.keys(INITIAL) as Field[];
export const LABELS = Object.fromEntries(FIELDS.map((f) => [f, SWEEP_FIELDS[f].label])) as Record<Field, string>;

export type Checked = {
  errors: FieldErrors<Field>;
  input?: Record<string, unknown>;
  trials?: number;
  /** With seeds: how many runs each trial is. */
  seeds?: number;
  iterations?: number;
};

/** A knob's range field in the API (space.learningRateRange) is typed in the knob's own field. */
const KNOB_OF_RANGE = Object.fromEntries(Object.entries(RANGE_FIELDS).map(([knob, range]) => [range, knob]));

/** The field a problem is about: the last name in its path that is one (a knob, its range, a setting), or the form's. */
const fieldOf = (path: (string | number)[]): Field | null => {
  const names = path.filter((k): k is string => typeof k === "string").map((k) => KNOB_OF_RANGE[k] ?? k);
  return (names.findLast((name) => name in INITIAL) as Field | undefined) ?? null;
};

/**
 * A field left blank that the API would fill in (SWEEP_DEFAULTS: eta, the decays, …) is left out, as
 * the API takes a setting not sent: its default. Parsed as text, blank was a bad number ("must be a
 * number; got \"\""), and a sweep that needs no eta (GRID) could not start without one.
 */
function withoutBlankDefaults(values: Record<Field, string>): Partial<Record<Field, string>> {
  return Object.fromEntries(Object.entries(values).filter(([f, v]) => !(f in SWEEP_DEFAULTS && v.trim() === "")));
}

/** The form's values checked with the API's schema, every field at once; the input and plan when valid. */
export function check(values: Record<Field, string>, strategy: Strategy, numTrain: number | undefined): Checked {
  const given = withoutBlankDefaults(values);
  const settings = Object.entries(given).filter(([field]) => !SPACE_KNOBS.includes(field as SpaceField));
  const parsed = sweepSettingsTextSchema(numTrain).safeParse({
    ...Object.fromEntries(settings),
    space: Object.fromEntries(SPACE_KNOBS.map((knob) => [knob, given[knob]])),
    strategy,
  });
  if (!parsed.success) return { errors: formErrors(parsed.error.issues, fieldOf, LABELS) };
  const valid = parsed.data;
  const trials = trialCount(valid);
  const seeds = valid.seeds?.length ?? 1;
  const iterations = halvingIterations(sweepRungs(valid, trials, numTrain ?? ASSUMED_NUM_TRAIN)) * seeds;
  return { errors: {}, input: sweepInputOf(valid), trials, seeds, iterations };
}

export const apiFieldOf = (apiField: string) => fieldOf(apiField.split("."));
