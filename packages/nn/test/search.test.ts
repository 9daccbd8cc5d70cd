import { describe, expect, it } from "vitest";
import { gridSize, gridTrials, halvingIterations, halvingSchedule, randomTrials, type SearchSpace } from "./nn.ts";

const space: SearchSpace = {
  learningRates: [0.1, 0.5, 1],
  hiddenSizes: [64, 128],
  regs: [1e-4, 1e-2],
  learningRateDecays: [0.95],
};

describe("search space", () => {
  it("expands the grid to every combination, once", () => {
    const trials = gridTrials(space);
    expect(trials).toHaveLength(gridSize(space));
    expect(trials).toHaveLength(12);
    expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(12);
    expect(trials[0]).toEqual({ learningRate: 0.1, hiddenSize: 64, reg: 1e-4, learningRateDecay: 0.95 });
  });

  it("samples distinct combinations at random, the same for the same seed", () => {
    const a = randomTrials(space, 5, 1);
    expect(a).toHaveLength(5);
    expect(new Set(a.map((t) => JSON.stringify(t))).size).toBe(5);
    expect(randomTrials(space, 5, 1)).toEqual(a);
    expect(randomTrials(space, 5, 2)).not.toEqual(a);
    expect(randomTrials(space, 50, 1)).toHaveLength(12);
  });
});

describe("successive halving", () => {
  it("gives 27 configurations with eta 3 the rungs 27 → 9 → 3 → 1 at budgets R/27, R/9, R/3, R", () => {
    const rungs = halvingSchedule(27, 2700, 3);
    expect(rungs).toEqual([
      { rung: 0, budget: 100, trials: 27 },
      { rung: 1, budget: 300, trials: 9 },
      { rung: 2, budget: 900, trials: 3 },
      { rung: 3, budget: 2700, trials: 1 },
    ]);
    // Resuming from checkpoints: 27·100 + 9·200 + 3·600 + 1·1800 = 8,100 iterations; the grid: 27·2700.
    expect(halvingIterations(rungs)).toBe(8100);
  });

  it("keeps the first budget at least minBudget, and always ends at the full budget", () => {
    const rungs = halvingSchedule(8, 100, 2, 20);
    expect(rungs.map((r) => r.budget)).toEqual([25, 50, 100]);
    expect(rungs.map((r) => r.trials)).toEqual([8, 4, 2]);
    expect(halvingSchedule(1, 500, 3)).toEqual([{ rung: 0, budget: 500, trials: 1 }]);
    expect(() => halvingSchedule(4, 100, 1)).toThrow(/eta must be at least 2/);
  });
});

describe("memory estimate", () => {
  it("counts parameters, the minibatch and the activations", async () => {
    const { estimateTrainingMemory } = await import("./nn.ts");
    const small = estimateTrainingMemory({ hiddenSize: 100, batchSize: 200 });
    expect(small.parts.params).toBe(4 * 3 * (3072 * 100 + 100 + 100 * 10 + 10));
    expect(small.parts.batch).toBe(4 * 3 * 200 * 3072);
    const huge = estimateTrainingMemory({ hiddenSize: 8192, batchSize: 40_000 });
    expect(huge.bytes).toBeGreaterThan(4 * 2 ** 30); // more than the wasm heap can hold
    // Stepping in slices of 1,000 rows (rowsPerSlice at H = 8,192), a step holds a slice's activations.
    const sliced = estimateTrainingMemory({ hiddenSize: 8192, batchSize: 40_000 }, { inSlices: true });
    expect(sliced.parts.activations).toBe(4 * (4 * 1000 * 8192 + 6 * 40_000 * 10));
    expect(sliced.bytes).toBeLessThan(3.5 * 2 ** 30); // what a wasm trainer allows a run
  });
});
