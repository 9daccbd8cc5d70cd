import { sweepSettingsSchema } from "@trainql/nn/sweepRules";
import { describe, expect, it } from "vitest";
import { planSweep, readSweepConfig } from "../src/sweeps/sweepConfig.ts";

const settings = sweepSettingsSchema().parse({
  strategy: "SUCCESSIVE_HALVING",
  space: {
    learningRateRange: { min: 1e-3, max: 1 },
    hiddenSizes: [32, 64],
    regs: [0, 1e-4],
  },
  numIters: 800,
  maxTrials: 9,
  seeds: [1, 2],
});

describe("a sweep's stored config", () => {
  it("reads back, through its JSON, as planned", () => {
    const { config } = planSweep(settings, 40_000);
    const stored = JSON.parse(JSON.stringify(config));
    expect(readSweepConfig({ id: "s", config: stored })).toEqual(config);
    expect(config.ranges.learningRates).toEqual({ min: 1e-3, max: 1, scale: "LOG" });
    expect(config.space.learningRateDecays).toEqual([0.95]);
  });

  it("stored before ranges and seeds existed, reads with none", () => {
    const { config } = planSweep(
      { ...settings, seeds: null, space: { ...settings.space, learningRates: [0.1] } },
      40_000,
    );
    const { ranges: _, seeds: __, ...older } = JSON.parse(JSON.stringify(config));
    const read = readSweepConfig({ id: "old", config: older });
    expect(read.ranges).toEqual({});
    expect(read.seeds).toBeNull();
    expect(read.space.learningRates).toEqual([0.1]);
  });

  it("damaged, fails naming the sweep and the field", () => {
    const { config } = planSweep(settings, 40_000);
    const damaged = { ...config, rungs: [{ rung: 0, budget: "800", trials: 9 }] };
    expect(() => readSweepConfig({ id: "b0rk", config: damaged })).toThrow(
      /sweep b0rk's stored config cannot be read: [\s\S]*rungs\[0\]\.budget/,
    );
    expect(() => readSweepConfig({ id: "b0rk", config: null })).toThrow(/sweep b0rk's stored config cannot be read/);
  });
});
