import { describe, expect, it } from "vitest";
import { CLASS_NAMES, classAccuracies, confusionFromFlat, confusionMatrix, flatConfusion, NUM_CLASSES } from "./nn.ts";

describe("confusion matrix", () => {
  it("counts each image at its true class's row and its predicted class's column", () => {
    const labels = [3, 3, 3, 5, 5, 0];
    const predicted = [3, 5, 5, 5, 3, 0];
    const counts = confusionMatrix(Int32Array.from(predicted), Uint8Array.from(labels));
    expect(counts).toHaveLength(NUM_CLASSES);
    for (const row of counts) expect(row).toHaveLength(NUM_CLASSES);
    expect(counts[3]![3]).toBe(1); // cats taken for cats
    expect(counts[3]![5]).toBe(2); // cats taken for dogs
    expect(counts[5]![5]).toBe(1);
    expect(counts[5]![3]).toBe(1);
    expect(counts[0]![0]).toBe(1);
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(labels.length);
    // Per class: right over the class's images; null for a class with none.
    const accuracy = classAccuracies(counts);
    expect(accuracy[3]).toBeCloseTo(1 / 3, 12);
    expect(accuracy[5]).toBe(0.5);
    expect(accuracy[0]).toBe(1);
    expect(accuracy[1]).toBeNull();
    expect(CLASS_NAMES[3]).toBe("cat");
  });

  it("refuses predictions that do not pair with the labels", () => {
    expect(() => confusionMatrix([1, 2], [1])).toThrow("2 predictions for 1 labels");
  });

  it("round-trips through its stored (row-major) form; none stored is null", () => {
    const counts = confusionMatrix([1, 2, 9, 9], [1, 9, 9, 0]);
    expect(flatConfusion(counts)).toHaveLength(NUM_CLASSES * NUM_CLASSES);
    expect(flatConfusion(counts)[9 * NUM_CLASSES + 2]).toBe(1);
    expect(confusionFromFlat(flatConfusion(counts))).toEqual(counts);
    expect(confusionFromFlat([])).toBeNull();
    expect(() => confusionFromFlat([1, 2, 3])).toThrow("a confusion matrix has 100 counts; got 3");
  });
});
