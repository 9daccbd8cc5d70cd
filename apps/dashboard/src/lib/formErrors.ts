// A form's errors, every field at once, each named by the field's label: from @trainql/nn's schemas in
// the browser (the rules the API enforces, in the same words), and from the API for what only it can
// check (the training set size, a trainer's memory), whose `extensions.fields` give each field's rule
// apart from the API's name for the field.
import { type Problem, problemsOf, type SchemaIssue, sentence, subjectOf } from "@trainql/nn/validation";
import type { CombinedError } from "@urql/core";
import { apiErrorText } from "@/lib/api/apiErrorText";

export type FieldErrors<F extends string> = Partial<Record<F | "form", string>>;

/** The form field a problem is about, when a form's fields are its schema's top-level keys. */
export const topLevelField = <F extends string>(path: Problem["path"]): F | null => (path[0] as F | undefined) ?? null;

/**
 * Errors by form field: `fieldOf` says which field a problem's path is (null: the form as a whole),
 * `labels` what the form calls it. The first problem of each field is its error.
 */
export function formErrors<F extends string>(
  issues: readonly SchemaIssue[],
  fieldOf: (path: Problem["path"]) => F | null,
  labels: Readonly<Record<F, string>>,
): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const problem of problemsOf(issues)) {
    const field = fieldOf(problem.path);
    errors[field ?? "form"] ??= field === null ? problem.message : sentence(problem, subjectOf(problem, labels[field]));
  }
  return errors;
}

// graphql-js' own words for a value of the wrong type: `Variable "$input" got invalid value 12.5 at
// "input.numIters"; Int cannot represent non-integer value: 12.5`.
const COERCION = /^Variable "\$\w+" got invalid value (.+?) at "[\w.[\]]+"; (Int|Float) cannot represent/;

function inWords(message: string, label: string | undefined): string {
  const coercion = COERCION.exec(message);
  if (coercion && label)
    return `${label} must be ${coercion[2] === "Int" ? "an integer" : "a number"}; got ${coercion[1]}`;
  return message;
}

interface ApiFieldError {
  field: string;
  message: string;
  /** The rule alone, when the message is "<field> <rule>". */
  rule?: string;
}

/** The API's refusal, field by field (`extensions.fields`, else `extensions.field`), in the form's words. */
export function apiFieldErrors<F extends string>(
  error: CombinedError | undefined,
  fieldOf: (apiField: string) => F | null,
  labels: Readonly<Record<F, string>>,
): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const e of error?.graphQLErrors ?? []) {
    const fields = (e.extensions.fields as ApiFieldError[] | undefined) ?? [
      { field: String(e.extensions.field ?? ""), message: e.message },
    ];
    for (const f of fields) {
      const key = fieldOf(f.field);
      const label = key === null ? undefined : labels[key];
      errors[key ?? "form"] ??= f.rule && label ? `${label} ${f.rule}` : inWords(f.message, label);
    }
  }
  // (Where the API was looked for is the page's to say: apiErrorText names it when given it.)
  if (error?.networkError || (error && Object.keys(errors).length === 0)) errors.form = apiErrorText(error);
  return errors;
}
