// Form validation in the browser with the API's own rules (@trainql/nn's validateHyperparameters and
// checkSweepSettings), every field at once, in words that name each field by its label. The API still
// checks everything (the training set size and a trainer's memory only it knows); its messages name
// fields by their code names, which are swapped for the labels here too.

import {
  DEFAULT_HYPERPARAMETERS,
  HYPERPARAMETER_LABELS,
  type Hyperparameters,
  validateHyperparameters,
} from "@trainql/nn/hyperparameters";
import type { CombinedError } from "@urql/core";

export type FieldErrors<F extends string> = Partial<Record<F | "form", string>>;

/** A number typed into a field, or the message saying it is not one. */
export function parseNumber(label: string, raw: string): number | string {
  const text = raw.trim();
  const n = Number(text);
  if (text === "" || !Number.isFinite(n)) return `${label} must be a number; got "${text}"`;
  return n;
}

/** The problem with one hyperparameter's value, by the API's rules, or null. */
export function hyperparameterProblem(
  field: keyof Hyperparameters,
  value: number,
  label: string,
  numTrain?: number,
): string | null {
  const hp = { ...DEFAULT_HYPERPARAMETERS, [field]: value };
  const found = validateHyperparameters(hp, numTrain).find((e) => e.field === field);
  return found ? `${label} ${found.rule}; got ${value}` : null;
}

/** "hiddenSize must be…" → "Hidden size must be…", for any code name the message starts with. */
export function withLabels(message: string, labels: Record<string, string>): string {
  const start = /^(?:[\w.]+: )?(\w+)/.exec(message);
  const label = start && labels[start[1]!];
  return label ? `${label}${message.slice(start[0].length)}` : message;
}

const LABELS: Record<string, string> = HYPERPARAMETER_LABELS;

// graphql-js' own words for a value of the wrong type: `Variable "$input" got invalid value 12.5 at
// "input.numIters"; Int cannot represent non-integer value: 12.5`.
const COERCION = /^Variable "\$\w+" got invalid value (.+?) at "[\w.[\]]+"; (Int|Float) cannot represent/;

function inWords(message: string, label: string | undefined, labels: Record<string, string>): string {
  const coercion = COERCION.exec(message);
  if (coercion && label)
    return `${label} must be ${coercion[2] === "Int" ? "an integer" : "a number"}; got ${coercion[1]}`;
  return withLabels(message, labels);
}

/** The API's refusal, field by field (`extensions.fields`, else `extensions.field`), in the form's words. */
export function apiFieldErrors<F extends string>(
  error: CombinedError | undefined,
  fieldOf: (apiField: string) => F | null,
  labels: Record<string, string> = {},
): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  const all = { ...LABELS, ...labels };
  for (const e of error?.graphQLErrors ?? []) {
    const fields = (e.extensions.fields as { field: string; message: string }[] | undefined) ?? [
      { field: String(e.extensions.field ?? ""), message: e.message },
    ];
    for (const f of fields) {
      const key = fieldOf(f.field) ?? "form";
      errors[key] ??= inWords(f.message, key === "form" ? undefined : all[key], all);
    }
  }
  if (error?.networkError) errors.form = `The API is not reachable: ${error.networkError.message}`;
  if (error && Object.keys(errors).length === 0) errors.form = error.message;
  return errors;
}
