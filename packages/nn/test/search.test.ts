import { describe, expect, it } from "vitest";
import {
  drawTrials,
  gridSize,
  gridTrials,
  halvingIterations,
  halvingSchedule,
  randomTrials,
  type SearchSpace,
  sweepTrials,
  valuesTried,
} from "./nn.ts";

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
    // Learning rate outermost, then hidden size, then reg: the order a grid's trials are queued in.
    expect(trials.map((t) => t.learningRate)).toEqual([0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1]);
    expect(trials.slice(0, 4).map((t) => [t.hiddenSize, t.reg])).toEqual([
      [64, 1e-4],
      [64, 1e-2],
      [128, 1e-4],
      [128, 1e-2],
    ]);
  });

  it("samples distinct combinations at random, the same for the same seed", () => {
    const a = randomTrials(space, 5, 1);
    expect(a).toHaveLength(5);
    expect(new Set(a.map((t) => JSON.stringify(t))).size).toBe(5);
    expect(randomTrials(space, 5, 1)).toEqual(a);
    expect(randomTrials(space, 5, 2)).not.toEqual(a);
    expect(randomTrials(space, 50, 1)).toHaveLength(12);
    // Asked for all of them: every combination once, in another order.
    const key = (t: object) => JSON.stringify(t);
    expect(randomTrials(space, 12, 3).map(key).sort()).toEqual(gridTrials(space).map(key).sort());
  });

  it("samples a grid of millions without building it", () => {
    const values = Array.from({ length: 64 }, (_, i) => i + 1);
    const huge = { learningRates: values, hiddenSizes: values, regs: values, learningRateDecays: values };
    expect(gridSize(huge)).toBe(64 ** 4);
    const trials = randomTrials(huge, 256, 0);
    expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(256);
    // Spread over the whole grid, the outermost knob too.
    expect(Math.max(...trials.map((t) => t.learningRate))).toBeGreaterThan(32);
  });

  it("draws each ranged knob anew per trial, log-uniform: as many trials per decade", () => {
    const ranged = {
      learningRates: { min: 1e-4, max: 1, scale: "LOG" as const },
      hiddenSizes: { min: 10, max: 20, scale: "LINEAR" as const },
      regs: [0, 1e-3],
      learningRateDecays: [0.95],
    };
    const trials = drawTrials(ranged, 256, 7);
    expect(trials).toHaveLength(256);
    expect(drawTrials(ranged, 256, 7)).toEqual(trials);
    expect(sweepTrials(ranged, 256, 7)).toEqual(trials);
    expect(drawTrials(ranged, 256, 8)).not.toEqual(trials);
    const lrs = trials.map((t) => t.learningRate);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1);
    expect(new Set(lrs).size).toBe(256);
    // Four decades, 64 trials each on average; uniform draws would put 99% in the top decade. The
    // counts are binomial(256, 1/4): 3.5 standard deviations is ±24, which seed 7 stays well within.
    for (let decade = -4; decade < 0; decade++) {
      const inDecade = lrs.filter((lr) => lr >= 10 ** decade && lr < 10 ** (decade + 1)).length;
      expect(Math.abs(inDecade - 64)).toBeLessThan(24);
    }
    // Integers, every one of the range reachable, the ends included.
    expect(valuesTried(trials).hiddenSizes).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(valuesTried(trials).regs).toEqual([0, 1e-3]);
  });

  it("draws no trial twice, so a space of few integers gives each of its trials once", () => {
    const few = {
      learningRates: [0.1],
      hiddenSizes: { min: 8, max: 10, scale: "LOG" as const },
      regs: [0],
      learningRateDecays: [1],
    };
    expect(
      drawTrials(few, 50, 1)
        .map((t) => t.hiddenSize)
        .sort(),
    ).toEqual([10, 8, 9]);
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
    const sliced = estimateTrainingMemory({ hiddenSize: 8192, batchSize: 40_000 }, 1000);
    expect(sliced.parts.activations).toBe(4 * (4 * 1000 * 8192 + 6 * 40_000 * 10));
    expect(sliced.bytes).toBeLessThan(3.5 * 2 ** 30); // what a wasm trainer allows a run
  });

  it("slices a step on the host's thread by rowsPerSlice, and on a GPU only past its buffer limit", async () => {
    const { stepSliceRows } = await import("./nn.ts");
    // On the host's thread: slices of 2^22 / H rows (at least 1,000), once the minibatch is larger.
    expect(stepSliceRows({ hiddenSize: 8192, batchSize: 40_000 })).toBe(1000);
    expect(stepSliceRows({ hiddenSize: 200, batchSize: 40_000 })).toBe(20_971);
    expect(stepSliceRows({ hiddenSize: 8192, batchSize: 1000 })).toBeUndefined();
    // On a GPU: one pass while the activations fit one buffer (40,000 × 8,192 floats: 1.22 GiB).
    expect(stepSliceRows({ hiddenSize: 8192, batchSize: 40_000 }, 2 ** 31)).toBeUndefined();
    // Over SwiftShader's 1 GiB: slices of 2^30 / (4 · 8,192) = 32,768 rows.
    expect(stepSliceRows({ hiddenSize: 8192, batchSize: 40_000 }, 2 ** 30)).toBe(32_768);
    expect(stepSliceRows({ hiddenSize: 8192, batchSize: 32_768 }, 2 ** 30)).toBeUndefined();
  });
});
