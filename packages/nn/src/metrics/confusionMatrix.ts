// Which classes a model takes for which: the confusion matrix of its predictions over a split. An
// accuracy alone hides that a 50% model gets ships right three times as often as cats, and what it
// takes cats for (dogs). Counted on the host from the predicted labels that every accuracy pass reads
// back anyway, so it costs no extra pass on any backend.
import { NUM_CLASSES } from "../data/cifar10.ts";

/** counts[t][p]: the images of true class t predicted as class p (NUM_CLASSES rows of NUM_CLASSES). */
export type ConfusionCounts = number[][];

export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>): ConfusionCounts {
  if (predicted.length !== labels.length)
    throw new RangeError(`${predicted.length} predictions for ${labels.length} labels`);
  const counts = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = counts[labels[i] as number] as number[];
    const p = predicted[i] as number;
    row[p] = (row[p] as number) + 1;
  }
  return counts;
}

/** Row-major, as a run stores it (a flat integer array). */
export const flatConfusion = (counts: ConfusionCounts): number[] => counts.flat();

/** The matrix of a stored flat one; null for none stored (an empty array). */
export function confusionFromFlat(flat: readonly number[]): ConfusionCounts | null {
  if (flat.length === 0) return null;
  if (flat.length !== NUM_CLASSES * NUM_CLASSES)
    throw new RangeError(`a confusion matrix has ${NUM_CLASSES * NUM_CLASSES} counts; got ${flat.length}`);
  return Array.from({ length: NUM_CLASSES }, (_, t) => flat.slice(t * NUM_CLASSES, (t + 1) * NUM_CLASSES));
}

/** Per true class, the fraction of its images predicted as it (its recall); null for a class with none. */
export const classAccuracies = (counts: ConfusionCounts): (number | null)[] =>
  counts.map((row, t) => {
    const images = row.reduce((sum, n) => sum + n, 0);
    return images === 0 ? null : (row[t] as number) / images;
  });
