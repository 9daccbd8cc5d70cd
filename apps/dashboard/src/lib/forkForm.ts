// The fork form's fields and their check: what to change, as typed, parsed by the rules the API's
// forkRun applies. An empty field is left to the parent (null); a value that is not a number is
// refused by name, not sent as Number(text) — NaN, which JSON writes as null, the parent's value.
import { ruleOf } from "@trainql/nn/hyperparameters";
import { optionalNumberText } from "@trainql/nn/validation";
import { z } from "zod";
import { type FieldErrors, formErrors, topLevelField } from "./formErrors";
import { HYPERPARAMETER_LABELS } from "./types";

export const FORK_FIELDS = {
  epoch: "Epoch",
  learningRate: HYPERPARAMETER_LABELS.learningRate,
  learningRateDecay: HYPERPARAMETER_LABELS.learningRateDecay,
  reg: HYPERPARAMETER_LABELS.reg,
  numIters: HYPERPARAMETER_LABELS.numIters,
} as const;
export type ForkField = keyof typeof FORK_FIELDS;

const schema = z.object({
  learningRate: optionalNumberText(ruleOf("learningRate")),
  learningRateDecay: optionalNumberText(ruleOf("learningRateDecay")),
  reg: optionalNumberText(ruleOf("reg")),
  numIters: optionalNumberText(ruleOf("numIters")),
});
type Change = keyof typeof schema.shape;

/** The fields typed in, in the form's order (the epoch is chosen from a list). */
export const CHANGES = Object.keys(schema.shape) as Change[];

/** The changes to send (null: the parent's), or every bad field's error, named by its label. */
export function checkFork(
  values: Record<Change, string>,
): { changes: Record<Change, number | null> } | { errors: FieldErrors<ForkField> } {
  const parsed = schema.safeParse(values);
  return parsed.success
    ? { changes: parsed.data }
    : { errors: formErrors(parsed.error.issues, topLevelField<Change>, FORK_FIELDS) };
}
