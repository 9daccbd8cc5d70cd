// The settings every study of the Experiments page shares, as typed: checked by the API's own rules
// before anything is launched. Sent as Number(text), "3,000" went out as NaN, which JSON writes as
// null, and the API took its default in its place without a word.
import { hyperparametersTextSchema } from "@trainql/nn/hyperparameters";
import { MAX_SEEDS } from "@trainql/nn/seeds";
import { integerFrom, numberText } from "@trainql/nn/validation";
import { type FieldErrors, formErrors, topLevelField } from "@/lib/formErrors";
import { HYPERPARAMETER_LABELS } from "@/lib/types";

export type StudyField = "numIters" | "batchSize" | "seedCount";

export const STUDY_FIELD_LABELS: Record<StudyField, string> = {
  numIters: HYPERPARAMETER_LABELS.numIters,
  batchSize: HYPERPARAMETER_LABELS.batchSize,
  seedCount: "Seeds per run",
};

const schema = hyperparametersTextSchema()
  .pick({ numIters: true, batchSize: true })
  .extend({ seedCount: numberText(integerFrom(1, MAX_SEEDS)) });

export interface StudySettings {
  numIters: number;
  batchSize: number;
  /** Seeds 1…n, one run each, or null for a single run per setting. */
  seeds: number[] | null;
}

/** The settings to launch with, or every bad field's error, named by its label. */
export function checkStudySettings(
  values: Record<StudyField, string>,
): { settings: StudySettings } | { errors: FieldErrors<StudyField> } {
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    return { errors: formErrors(parsed.error.issues, topLevelField<StudyField>, STUDY_FIELD_LABELS) };
  const { numIters, batchSize, seedCount } = parsed.data;
  const seeds = seedCount > 1 ? Array.from({ length: seedCount }, (_, i) => i + 1) : null;
  return { settings: { numIters, batchSize, seeds } };
}
