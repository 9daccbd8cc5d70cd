// The fork form's fields, their check and their defaults: what to change, as typed, parsed by the
// rules the API's forkRun applies. An empty field is left to the parent (null); a value that is not a
// number is refused by name, not sent as Number(text) — NaN, which JSON writes as null, the parent's value.
import { FORK_CHANGES, type ForkChange, ruleOf } from "@trainql/nn/hyperparameters";
import { optionalNumberText } from "@trainql/nn/validation";
import { z } from "zod";
import { type FieldErrors, formErrors, topLevelField } from "@/lib/formErrors";
import { HYPERPARAMETER_LABELS } from "@/lib/types";

type Change = ForkChange;
/** The fields typed in, in the form's order (the epoch is chosen from a list). */
export const CHANGES = FORK_CHANGES;

export type ForkField = "epoch" | Change;
export const FORK_FIELDS: Record<ForkField, string> = {
  epoch: "Epoch",
  ...(Object.fromEntries(CHANGES.map((name) => [name, HYPERPARAMETER_LABELS[name]])) as Record<Change, string>),
};

const schema = z.object(
  Object.fromEntries(CHANGES.map((name) => [name, optionalNumberText(ruleOf(name))])) as Record<
    Change,
    ReturnType<typeof optionalNumberText<z.ZodNumber>>
  >,
);

/** The changes to send (null: the parent's), or every bad field's error, named by its label. */
export function checkFork(
  values: Record<Change, string>,
): { changes: Record<Change, number | null> } | { errors: FieldErrors<ForkField> } {
  const parsed = schema.safeParse(values);
  return parsed.success
    ? { changes: parsed.data }
    : { errors: formErrors(parsed.error.issues, topLevelField<Change>, FORK_FIELDS) };
}

/** An epoch a fork can start after, and the iterations the fork inherits there (null: not known). */
export interface ForkPoint {
  epoch: number;
  iterationsDone: number | null;
}

/**
 * The kept epochs as fork points. An epoch's record is taken after the update of its iteration
 * (0-based), and its checkpoint with it, so a fork from there has done one more iteration than that.
 */
export function forkPoints(kept: number[], epochs: { epoch: number; iteration: number }[]): ForkPoint[] {
  return kept.map((epoch) => {
    const record = epochs.find((e) => e.epoch === epoch);
    return { epoch, iterationsDone: record ? record.iteration + 1 : null };
  });
}

/** Whether forkRun takes the parent's length for a fork from `point`: it must be past the fork's start. */
const parentLengthFits = (point: ForkPoint, parentNumIters: number) =>
  point.iterationsDone === null || parentNumIters > point.iterationsDone;

/**
 * The epoch the form offers: the latest kept one where the parent's length still fits (the last kept
 * epoch of a finished run can be at its very end), else the latest.
 */
export function defaultForkPoint(points: ForkPoint[], parentNumIters: number): ForkPoint | undefined {
  return points.findLast((p) => parentLengthFits(p, parentNumIters)) ?? points.at(-1);
}

/** The length offered for a fork from `point`: the parent's where forkRun takes it, else none (to type). */
export function defaultNumIters(point: ForkPoint, parentNumIters: number): string {
  return parentLengthFits(point, parentNumIters) ? String(parentNumIters) : "";
}
