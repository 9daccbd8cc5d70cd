// A failed validation as messages that name their field. A schema's issues carry a path and a predicate
// ("must be a finite number > 0; got -1"); the entry point names the field its own way — the API by its
// code name, a form by its label, a CLI by its flag — so the same bad value gets the same words
// everywhere, only addressed differently. Issues may come straight from zod or through any Standard
// Schema consumer (Pothos' validation plugin), so only the Standard Schema shape is assumed.

/** What Standard Schema says an issue is (zod's issues are this, and more). */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export interface Problem {
  /** Where in the input: object keys and list indices ("space", "learningRates", 1). */
  path: (string | number)[];
  /** A predicate ("must be …; got 0") or, when `whole`, a sentence of its own. */
  message: string;
  /** A rule about several fields together, already phrased in full: no field name goes in front. */
  whole: boolean;
}

/** Marks an issue raised with `params: WHOLE` as a complete sentence (see `Problem.whole`). */
export const WHOLE = { whole: true } as const;

const keyOf = (segment: PropertyKey | { readonly key: PropertyKey }): string | number => {
  const key = typeof segment === "object" ? segment.key : segment;
  return typeof key === "number" ? key : String(key);
};

/** One problem per place (a value that breaks a rule in two ways is one mistake), in the schema's order. */
export function problemsOf(issues: readonly SchemaIssue[]): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = (issue.path ?? []).map(keyOf);
    const at = path.join(".");
    if (seen.has(at)) continue;
    seen.add(at);
    const params = (issue as { params?: { whole?: unknown } }).params;
    problems.push({ path, message: issue.message, whole: params?.whole === true });
  }
  return problems;
}

/** The problem as one sentence, its field called `name`. */
export function sentence(problem: Problem, name: string): string {
  return problem.whole ? problem.message : `${name} ${problem.message}`;
}

/** What to call the value a problem is about, given its field's `name`: a value in a list is "<name>: each". */
export function subjectOf(problem: Problem, name: string): string {
  return typeof problem.path.at(-1) === "number" ? `${name}: each` : name;
}

/** The field a problem belongs to: its path without list indices ("space.learningRates"). */
export function fieldOf(problem: Problem): string {
  return problem.path.filter((k) => typeof k === "string").join(".");
}
