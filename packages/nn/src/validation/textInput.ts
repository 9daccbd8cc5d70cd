// Numbers typed as text — a CLI flag, a form field — parsed by schemas, so that "fast" is refused in
// the same words wherever it is typed. Each parser pipes into the rule of the value it reads.
import { z } from "zod";

function toNumber(text: string): number | null {
  const n = Number(text);
  return text === "" || !Number.isFinite(n) ? null : n;
}

/** Text that must be one number, then pass `rule`. */
export function numberText<S extends z.ZodType<unknown, number>>(rule: S) {
  return z
    .string()
    .transform((raw, ctx) => {
      const text = raw.trim();
      const n = toNumber(text);
      if (n === null) {
        ctx.issues.push({ code: "custom", input: raw, message: `must be a number; got "${text}"` });
        return z.NEVER;
      }
      return n;
    })
    .pipe(rule);
}

/** Comma-separated numbers ("0.1, 0.5,1"), then pass `rule` as a list. */
export function numberListText<S extends z.ZodType<unknown, number[]>>(rule: S) {
  return z
    .string()
    .transform((raw, ctx) => {
      const parts = raw.split(",").map((v) => v.trim());
      const numbers = parts.map(toNumber);
      // An empty field is an empty list (the rule says how many values it needs), not a bad number.
      if (raw.trim() === "") return [];
      if (numbers.some((n) => n === null)) {
        ctx.issues.push({
          code: "custom",
          input: raw,
          message: `must be a comma-separated list of numbers; got "${raw}"`,
        });
        return z.NEVER;
      }
      return numbers as number[];
    })
    .pipe(rule);
}

/** Text where nothing typed means "none" (null), else one number that must pass `rule`. */
export function optionalNumberText<S extends z.ZodType<unknown, number>>(rule: S) {
  const one = numberText(rule);
  return z.string().transform((raw, ctx): z.output<S> | null => {
    if (raw.trim() === "") return null;
    const parsed = one.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.issues.push({ code: "custom", input: raw, message: issue.message, path: issue.path });
    return z.NEVER;
  });
}
