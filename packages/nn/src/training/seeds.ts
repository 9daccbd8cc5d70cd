// A seed group's seeds: the same configuration trained once per seed. One rule for the API (startRun's
// and startSweep's `seeds`), the dashboard's forms and their text fields, so all refuse the same lists
// in the same words. Pure zod: the dashboard bundles it.
import { z } from "zod";
import { numberListText } from "../validation/textInput.ts";
import { ruleOf } from "./hyperparameters.ts";

/** The most seeds one group may have: each is a full run. */
export const MAX_SEEDS = 20;

const count = {
  error: (i: { input?: unknown }) =>
    `needs 1 to ${MAX_SEEDS} seeds; got ${(i.input as unknown[]).length}: list fewer seeds, or start another group`,
};

/** 1 to MAX_SEEDS distinct seeds, each a valid `seed`; repeats are refused (they would train the same run twice). */
export const seedsRule = z
  .array(ruleOf("seed"))
  .min(1, count)
  .max(MAX_SEEDS, count)
  .superRefine((seeds, ctx) => {
    const repeated = seeds.filter((s, i) => seeds.indexOf(s) !== i);
    if (repeated.length > 0)
      ctx.addIssue({
        code: "custom",
        message: `must be distinct; ${[...new Set(repeated)].join(", ")} repeated: each seed trains one run, list it once`,
      });
  });

/** Seeds typed in a form ("1, 2, 3"); empty means no group (a single run of the seed field). */
export const seedsText = z.string().transform((raw, ctx): number[] | null => {
  if (raw.trim() === "") return null;
  const parsed = numberListText(seedsRule).safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.issues.push({ code: "custom", input: raw, message: issue.message, path: issue.path });
  return z.NEVER;
});
