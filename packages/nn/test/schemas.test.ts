// The hyperparameter and sweep schemas: bounds, defaults and messages — the one place the API, the
// CLIs and the forms take their rules and words from.

import { describe, expect, it } from "vitest";
import {
  MAX_GRID,
  MAX_VALUES,
  SWEEP_DEFAULTS,
  sweepInputOf,
  sweepSettingsSchema,
  sweepSettingsTextSchema,
  trialCount,
} from "../src/search/sweepRules.ts";
import {
  DEFAULT_HYPERPARAMETERS,
  HYPERPARAMETER_LABELS,
  HYPERPARAMETER_NAMES,
  HYPERPARAMETERS,
  type Hyperparameters,
  hyperparametersSchema,
  hyperparametersTextSchema,
  validateHyperparameters,
} from "../src/training/hyperparameters.ts";
import { seedsRule, seedsText } from "../src/training/seeds.ts";
import { problemsOf, sentence, subjectOf } from "../src/validation/problems.ts";

const messages = (result: { error?: { issues: readonly { message: string; path: PropertyKey[] }[] } }) =>
  problemsOf(result.error?.issues ?? []).map((p) => [p.path.join("."), p.message]);

describe("hyperparameters", () => {
  // [name, the edges it accepts, the values just past them, the rule]
  const bounds: [keyof Hyperparameters, number[], unknown[], string][] = [
    ["hiddenSize", [1, 8192], [0, 8193, 1.5], "must be an integer from 1 to 8192"],
    ["learningRate", [1e-12, 1e6], [0, -1e-3, Number.POSITIVE_INFINITY, Number.NaN], "must be a finite number > 0"],
    ["learningRateDecay", [1e-9, 1], [0, 1.0000001, -0.5], "must be a number in (0, 1]"],
    ["reg", [0, 1e9], [-1e-12, Number.POSITIVE_INFINITY], "must be a finite number ≥ 0"],
    ["batchSize", [1, 1e9], [0, 2.5], "must be an integer ≥ 1"],
    ["numIters", [1, 1_000_000], [0, 1_000_001, 12.5], "must be an integer from 1 to 1000000"],
    ["weightScale", [1e-12, 10], [0, -1], "must be a finite number > 0"],
    ["seed", [0, 2 ** 31 - 1], [-1, 2 ** 31, 0.5], "must be an integer from 0 to 2147483647"],
  ];

  it.each(bounds)(
    "%s accepts its edges and refuses past them, saying the rule and the value",
    (name, ok, bad, rule) => {
      const { rule: schema } = HYPERPARAMETERS[name];
      for (const v of ok) expect(schema.safeParse(v).success, `${v}`).toBe(true);
      for (const v of bad) expect(schema.safeParse(v).error?.issues[0]?.message).toBe(`${rule}; got ${v}`);
    },
  );

  it("fill in every default, also for null (as a GraphQL client may send it)", () => {
    expect(hyperparametersSchema().parse({})).toEqual(DEFAULT_HYPERPARAMETERS);
    expect(hyperparametersSchema().parse({ hiddenSize: null, reg: 1e-3 })).toEqual({
      ...DEFAULT_HYPERPARAMETERS,
      reg: 1e-3,
    });
    expect(DEFAULT_HYPERPARAMETERS).toEqual({
      hiddenSize: 36,
      learningRate: 0.01,
      learningRateDecay: 0.95,
      reg: 0.25,
      batchSize: 1000,
      numIters: 500,
      weightScale: 1e-4,
      seed: 0,
    });
    // Every default passes its own rule.
    for (const name of HYPERPARAMETER_NAMES)
      expect(HYPERPARAMETERS[name].rule.safeParse(DEFAULT_HYPERPARAMETERS[name]).success).toBe(true);
  });

  it("list every problem at once, in the fields' order, one per field", () => {
    const result = hyperparametersSchema(400).safeParse({ numIters: 0.5, batchSize: 401, learningRate: -1 });
    expect(messages(result)).toEqual([
      ["learningRate", "must be a finite number > 0; got -1"],
      ["batchSize", "must be an integer from 1 to 400 (the training set size); got 401"],
      ["numIters", "must be an integer from 1 to 1000000; got 0.5"],
    ]);
    expect(validateHyperparameters({ ...DEFAULT_HYPERPARAMETERS, hiddenSize: 0 })).toEqual([
      { field: "hiddenSize", message: "hiddenSize must be an integer from 1 to 8192; got 0" },
    ]);
  });

  it("leave the batch size's bound to a later check when asked", () => {
    expect(hyperparametersSchema("checked later").safeParse({ batchSize: 10_000_000 }).success).toBe(true);
  });

  it("parse text as typed: trimmed numbers, and 'not a number' for the rest", () => {
    const text = hyperparametersTextSchema();
    expect(text.parse({ hiddenSize: " 128 ", learningRate: "1e-3" })).toEqual({
      ...DEFAULT_HYPERPARAMETERS,
      hiddenSize: 128,
      learningRate: 1e-3,
    });
    expect(messages(text.safeParse({ learningRate: "fast", seed: "", hiddenSize: "0" }))).toEqual([
      ["hiddenSize", "must be an integer from 1 to 8192; got 0"],
      ["learningRate", 'must be a number; got "fast"'],
      ["seed", 'must be a number; got ""'],
    ]);
  });

  it("have a label, a flag and a meaning each, all different", () => {
    for (const key of ["label", "flag", "about"] as const) {
      const values = HYPERPARAMETER_NAMES.map((n) => HYPERPARAMETERS[n][key]);
      expect(new Set(values).size, key).toBe(values.length);
    }
    expect(HYPERPARAMETER_LABELS.learningRateDecay).toBe("LR decay");
  });
});

describe("sweep settings", () => {
  const space = { learningRates: [0.1], hiddenSizes: [8], regs: [0] };

  it("fill in the sweep's defaults and drop repeated values", () => {
    expect(
      sweepSettingsSchema().parse({ space: { ...space, learningRates: [0.1, 0.1, 0.2] }, strategy: "GRID" }),
    ).toEqual({
      space: { learningRates: [0.1, 0.2], hiddenSizes: [8], regs: [0], learningRateDecays: [0.95] },
      strategy: "GRID",
      numIters: SWEEP_DEFAULTS.numIters,
      batchSize: SWEEP_DEFAULTS.batchSize,
      seed: 0,
      weightScale: 1e-4,
      maxTrials: null,
      eta: 3,
      seeds: null,
    });
    expect(SWEEP_DEFAULTS.numIters).toBe(1000);
  });

  it("check each value of the space by its hyperparameter's rule, and each list's length", () => {
    const result = sweepSettingsSchema().safeParse({
      space: { learningRates: [0.1, -1], hiddenSizes: [], regs: Array.from({ length: MAX_VALUES + 1 }, (_, i) => i) },
      strategy: "GRID",
    });
    expect(messages(result)).toEqual([
      ["space.learningRates.1", "must be a finite number > 0; got -1"],
      ["space.hiddenSizes", "needs 1 to 64 values; got 0"],
      ["space.regs", "needs 1 to 64 values; got 65"],
    ]);
  });

  it("apply the rules across fields, even when another field is wrong", () => {
    const check = (settings: object) => messages(sweepSettingsSchema(400).safeParse({ space, ...settings }));
    expect(check({ strategy: "SUCCESSIVE_HALVING", eta: 1, batchSize: 401 })).toEqual([
      ["batchSize", "must be an integer from 1 to 400 (the training set size); got 401"],
      ["eta", "must be an integer from 2 to 16; got 1"],
    ]);
    // eta matters to successive halving only.
    expect(check({ strategy: "GRID", eta: 1 })).toEqual([]);
    expect(check({ strategy: "RANDOM" })).toEqual([
      ["maxTrials", "RANDOM needs maxTrials: how many combinations to sample"],
    ]);
    expect(check({ strategy: "GRID", maxTrials: 2 })).toEqual([
      ["maxTrials", "GRID runs every combination; use RANDOM to sample maxTrials of them"],
    ]);
    expect(check({ strategy: "RANDOM", maxTrials: MAX_GRID + 1 })).toEqual([
      ["maxTrials", "must be an integer from 1 to 256; got 257"],
    ]);
    const big = {
      learningRates: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      hiddenSizes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      regs: [0, 1, 2],
    };
    const tooBig = problemsOf(sweepSettingsSchema().safeParse({ space: big, strategy: "GRID" }).error?.issues ?? []);
    expect(tooBig).toHaveLength(1);
    expect(tooBig[0]).toMatchObject({ path: ["space"], whole: true });
    expect(sentence(tooBig[0]!, "ignored")).toMatch(/^the space has 270 combinations; at most 256 can run in full/);
    expect(sweepSettingsSchema().safeParse({ space: big, strategy: "RANDOM", maxTrials: 10 }).success).toBe(true);
  });

  it("parse the same settings from text: comma-separated lists, a blank max trials", () => {
    const text = sweepSettingsTextSchema();
    const settings = text.parse({
      space: { learningRates: "0.1, 0.5,1", hiddenSizes: "8", regs: "0", learningRateDecays: undefined },
      strategy: "RANDOM",
      maxTrials: "2",
      numIters: undefined,
      eta: undefined,
    });
    expect(settings).toMatchObject({
      space: { learningRates: [0.1, 0.5, 1], learningRateDecays: [0.95] },
      maxTrials: 2,
      numIters: 1000,
    });
    const bad = text.safeParse({
      space: { learningRates: "0.1,x", hiddenSizes: "0", regs: "" },
      strategy: "GRID",
      maxTrials: " ",
    });
    const problems = problemsOf(bad.error?.issues ?? []);
    const lastName = (path: (string | number)[]) => String(path.filter((k) => typeof k === "string").at(-1));
    expect(problems.map((p) => sentence(p, subjectOf(p, lastName(p.path))))).toEqual([
      'learningRates must be a comma-separated list of numbers; got "0.1,x"',
      "hiddenSizes: each must be an integer from 1 to 8192; got 0",
      "regs needs 1 to 64 values; got 0",
    ]);
  });

  it("take a range for any knob, as typed min..max [log|linear], and send it as the knob's range field", () => {
    const text = sweepSettingsTextSchema();
    const settings = text.parse({
      space: {
        learningRates: "1e-4..1e-1",
        hiddenSizes: " 50 .. 200 LINEAR ",
        regs: "0, 1e-3",
        learningRateDecays: "0.9..1 linear",
      },
      strategy: "SUCCESSIVE_HALVING",
      maxTrials: "20",
    });
    expect(settings.space).toEqual({
      learningRates: { min: 1e-4, max: 0.1, scale: "LOG" },
      hiddenSizes: { min: 50, max: 200, scale: "LINEAR" },
      regs: [0, 1e-3],
      learningRateDecays: { min: 0.9, max: 1, scale: "LINEAR" },
    });
    expect(trialCount(settings)).toBe(20);
    // The API reads what a form or the CLI sends into the same settings.
    const input = sweepInputOf(settings);
    expect(input.space).toEqual({
      learningRateRange: { min: 1e-4, max: 0.1, scale: "LOG" },
      hiddenSizeRange: { min: 50, max: 200, scale: "LINEAR" },
      regs: [0, 1e-3],
      learningRateDecayRange: { min: 0.9, max: 1, scale: "LINEAR" },
    });
    expect(sweepSettingsSchema().parse(input)).toEqual(settings);

    const bad = text.safeParse({
      space: { learningRates: "1e-3..1e-5", hiddenSizes: "8..x", regs: "0..1e-3", learningRateDecays: "0.9..1 cubic" },
      strategy: "GRID",
    });
    const problems = problemsOf(bad.error?.issues ?? []);
    expect(problems.map((p) => [p.path.join("."), p.message])).toEqual([
      ["space.learningRates", "max must be above min (0.001); got 0.00001"],
      ["space.hiddenSizes", 'must be a range min..max, then log or linear (default log); got "8..x"'],
      [
        "space.regs",
        "min must be above 0 on a LOG scale (0 has no logarithm): use a small value such as 1e-6, or scale LINEAR; got 0",
      ],
      ["space.learningRateDecays", 'must be a range min..max, then log or linear (default log); got "0.9..1 cubic"'],
    ]);
  });

  it("draw from a range only where there is no grid to run, and maxTrials times", () => {
    const ranged = { learningRateRange: { min: 1e-4, max: 1 }, hiddenSizes: [8], regs: [0] };
    const check = (settings: object) => messages(sweepSettingsSchema().safeParse({ space: ranged, ...settings }));
    const gridOfRange = [
      "space.learningRateRange",
      "GRID runs every combination of listed values, and a range has none: list the learningRates to try, or use RANDOM or SUCCESSIVE_HALVING to draw maxTrials trials from the range",
    ];
    expect(check({ strategy: "GRID" })).toEqual([gridOfRange]);
    // Beside another field's problem too, so that one answer names them all (it came only once the others passed).
    expect(
      messages(sweepSettingsSchema().safeParse({ space: { ...ranged, hiddenSizes: [] }, strategy: "GRID" })),
    ).toEqual([["space.hiddenSizes", "needs 1 to 64 values; got 0"], gridOfRange]);
    expect(check({ strategy: "SUCCESSIVE_HALVING" })).toEqual([
      ["maxTrials", "a range is drawn from maxTrials times: set maxTrials, the number of trials to draw"],
    ]);
    expect(check({ strategy: "SUCCESSIVE_HALVING", maxTrials: 256 })).toEqual([]);
    // An empty list beside the range is the list left out; a list of values beside it is refused.
    const withEmptyList = { ...ranged, learningRates: [] };
    expect(sweepSettingsSchema().parse({ space: withEmptyList, strategy: "RANDOM", maxTrials: 2 }).space).toMatchObject(
      {
        learningRates: { min: 1e-4, max: 1, scale: "LOG" },
      },
    );
    expect(
      messages(
        sweepSettingsSchema().safeParse({
          space: { ...ranged, learningRates: [0.1] },
          strategy: "RANDOM",
          maxTrials: 2,
        }),
      ),
    ).toEqual([
      [
        "space.learningRateRange",
        "give space.learningRates (values to try) or space.learningRateRange (a range to draw from), not both",
      ],
    ]);
    // A range of few integers holds few trials: the plan says how many it will draw.
    const few = sweepSettingsSchema().parse({
      space: { learningRates: [0.1], hiddenSizeRange: { min: 8, max: 10 }, regs: [0] },
      strategy: "RANDOM",
      maxTrials: 50,
    });
    expect(trialCount(few)).toBe(3);
  });
});

describe("seeds", () => {
  it("take 1 to 20 distinct valid seeds, in the same words from the API and from text", () => {
    expect(seedsRule.parse([3, 1, 2])).toEqual([3, 1, 2]);
    expect(seedsText.parse(" ")).toBeNull();
    expect(seedsText.parse("1, 2,3")).toEqual([1, 2, 3]);
    const message = (r: { error?: { issues: { message: string }[] } }) => r.error?.issues.map((i) => i.message);
    expect(message(seedsRule.safeParse([]))).toEqual([
      "needs 1 to 20 seeds; got 0: list fewer seeds, or start another group",
    ]);
    expect(message(seedsRule.safeParse(Array.from({ length: 21 }, (_, i) => i)))?.[0]).toMatch(/got 21/);
    expect(message(seedsText.safeParse("1, 2, 1"))).toEqual([
      "must be distinct; 1 repeated: each seed trains one run, list it once",
    ]);
    expect(message(seedsText.safeParse("1, x"))?.[0]).toMatch(/comma-separated list of numbers/);
    expect(message(seedsText.safeParse("1.5"))?.[0]).toMatch(/must be an integer from 0 to 2147483647; got 1.5/);
  });
});
