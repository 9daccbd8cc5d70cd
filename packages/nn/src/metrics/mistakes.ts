// The images a model got most confidently wrong, per cell of its confusion matrix: what error analysis
// looks at first. A cat taken for a dog at 95% is another problem than one at 30%, and a few of each
// pair show whether the mistakes are the model's or the labels'.
import { NUM_CLASSES } from "../data/cifar10.ts";

/** How many of each (true, predicted) pair are kept: at most 90 × 4 = 360 images a run. */
export const MISTAKES_PER_CELL = 4;

export interface Mistake {
  /** The image's row in its split. */
  index: number;
  trueClass: number;
  predictedClass: number;
  /** The softmax probability the model gave the class it predicted. */
  confidence: number;
}

/**
 * Per off-diagonal cell of the confusion matrix, its `perCell` most confident mistakes (the lower row
 * first on a tie), cells in row-major order and each cell's most confident first.
 */
export function confidentMistakes(
  predicted: ArrayLike<number>,
  confidence: ArrayLike<number>,
  labels: ArrayLike<number>,
  perCell = MISTAKES_PER_CELL,
): Mistake[] {
  const cells = new Map<number, Mistake[]>();
  for (let index = 0; index < labels.length; index++) {
    const trueClass = labels[index] as number;
    const predictedClass = predicted[index] as number;
    if (trueClass === predictedClass) continue;
    const cell = trueClass * NUM_CLASSES + predictedClass;
    const kept = cells.get(cell) ?? [];
    const mistake = { index, trueClass, predictedClass, confidence: confidence[index] as number };
    // (Rows come in order: a later one with the same confidence goes after the earlier.)
    const at = kept.findIndex((m) => m.confidence < mistake.confidence);
    if (at === -1) kept.push(mistake);
    else kept.splice(at, 0, mistake);
    if (kept.length > perCell) kept.pop();
    cells.set(cell, kept);
  }
  return [...cells.entries()].sort(([a], [b]) => a - b).flatMap(([, kept]) => kept);
}
