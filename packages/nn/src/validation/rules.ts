// Number rules as zod schemas whose every failed check says the same thing: the rule, then the value
// that broke it ("must be an integer from 1 to 8192; got 0"). The rule is a predicate with no subject:
// each entry point puts its own name for the field in front (the API its code name, a form its label,
// a CLI its flag), so one rule reads right everywhere.
import { z } from "zod";

/** A value as a message quotes it: numbers as JavaScript prints them, anything else as JSON. */
export function shown(value: unknown): string {
  return typeof value === "number" || value === undefined ? String(value) : JSON.stringify(value);
}

type Check = { error: (issue: { input?: unknown }) => string };

/** A number schema built by `checks`, every one of which fails with `rule; got <value>`. */
export function numberRule(rule: string, checks: (n: z.ZodNumber, check: Check) => z.ZodNumber): z.ZodNumber {
  const check: Check = { error: (issue) => `${rule}; got ${shown(issue.input)}` };
  // zod's number already refuses NaN and ±Infinity: "finite" is part of every rule.
  return checks(z.number(check), check).describe(rule);
}

export const integerFrom = (min: number, max: number, note = "") =>
  numberRule(`must be an integer from ${min} to ${max}${note}`, (n, c) => n.int(c).min(min, c).max(max, c));

export const integerAtLeast = (min: number) =>
  numberRule(`must be an integer ≥ ${min}`, (n, c) => n.int(c).min(min, c));

export const positiveNumber = () => numberRule("must be a finite number > 0", (n, c) => n.positive(c));

export const nonNegativeNumber = () => numberRule("must be a finite number ≥ 0", (n, c) => n.nonnegative(c));

/** (0, 1]: a factor that may shrink a value but never flip or grow it. */
export const fraction = () => numberRule("must be a number in (0, 1]", (n, c) => n.positive(c).max(1, c));

/** The rule a schema built here checks ("must be an integer from 1 to 8192"), for help texts and docs. */
export function ruleText(schema: z.ZodType): string {
  return schema.description ?? "";
}

/** `rule`, or `fallback` when the value is left out — undefined, or null as a GraphQL client may send it. */
export const withDefault = <S extends z.ZodType, T>(rule: S, fallback: T) =>
  rule.nullish().transform((value): z.output<S> | T => value ?? fallback);
