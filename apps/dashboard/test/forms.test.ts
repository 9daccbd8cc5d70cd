// The forms' messages: @trainql/nn's rules, every field at once, each named by its label — the same
// words the API and the CLIs use for the same bad value, with the form's name for the field.
import { HYPERPARAMETER_NAMES, HYPERPARAMETERS, hyperparametersTextSchema } from "@trainql/nn/hyperparameters";
import { SWEEP_DEFAULTS } from "@trainql/nn/sweepRules";
import type { CombinedError } from "@urql/core";
import { describe, expect, it } from "vitest";
import { apiFieldErrors, formErrors } from "@/lib/formErrors";
import { checkFork, defaultForkPoint, defaultNumIters, forkPoints } from "@/lib/runs/forkForm";
import { checkStudySettings } from "@/lib/studySettings";
import { apiFieldOf, check, INITIAL } from "@/lib/sweeps/sweepForm";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";

type Field = keyof Hyperparameters;
const fieldOf = (path: (string | number)[]) => (path[0] as Field | undefined) ?? null;
const runFormErrors = (values: Partial<Record<Field, string>>, numTrain?: number) => {
  const parsed = hyperparametersTextSchema(numTrain).safeParse(values);
  return parsed.success ? {} : formErrors(parsed.error.issues, fieldOf, HYPERPARAMETER_LABELS);
};

/** One bad value per hyperparameter, as typed. */
const BAD: Record<Field, string> = {
  hiddenSize: "0",
  learningRate: "-1",
  learningRateDecay: "1.5",
  reg: "-1",
  batchSize: "0",
  numIters: "12.5",
  weightScale: "0",
  seed: "-5",
};

/** The schema's own rule for a value, as every entry point words it after the field's name. */
const ruleFor = (name: Field, value: number) => HYPERPARAMETERS[name].rule.safeParse(value).error?.issues[0]?.message;

describe("the new-run form", () => {
  it("names every bad field at once by its label, in the schema's words", () => {
    const errors = runFormErrors(BAD);
    for (const name of HYPERPARAMETER_NAMES)
      expect(errors[name]).toBe(`${HYPERPARAMETER_LABELS[name]} ${ruleFor(name, Number(BAD[name]))}`);
    expect(errors.numIters).toBe("Iterations must be an integer from 1 to 1000000; got 12.5");
  });

  it("refuses text that is not a number, and takes numbers with spaces around them", () => {
    expect(runFormErrors({ seed: "seven", learningRate: "" })).toEqual({
      learningRate: 'Learning rate must be a number; got ""',
      seed: 'Seed must be a number; got "seven"',
    });
    expect(runFormErrors({ seed: " 7 " })).toEqual({});
  });

  it("knows the training set's limit on the batch size when it is given", () => {
    expect(runFormErrors({ batchSize: "5000" }, 400).batchSize).toBe(
      "Batch size must be an integer from 1 to 400 (the training set size); got 5000",
    );
  });
});

describe("the new-sweep form", () => {
  it("plans a valid sweep", () => {
    const plan = check(
      {
        ...INITIAL,
        learningRates: "0.02, 0.1, 0.3, 0.6",
        hiddenSizes: "8, 16",
        regs: "1e-3",
        numIters: "160",
        batchSize: "20",
        eta: "2",
      },
      "SUCCESSIVE_HALVING",
      400,
    );
    expect(plan.errors).toEqual({});
    expect([plan.trials, plan.iterations]).toEqual([8, 400]);
  });

  it("names every bad field at once, and a rule across fields in its own words", () => {
    const bad = check(
      { ...INITIAL, learningRates: "0.1, -1", hiddenSizes: "", batchSize: "5000", eta: "1", seed: "x" },
      "SUCCESSIVE_HALVING",
      400,
    );
    expect(bad.errors).toEqual({
      learningRates: "Learning rates: each must be a finite number > 0; got -1",
      hiddenSizes: "Hidden sizes needs 1 to 64 values; got 0",
      batchSize: "Batch size must be an integer from 1 to 400 (the training set size); got 5000",
      seed: 'Seed must be a number; got "x"',
      eta: "eta (halving) must be an integer from 2 to 16; got 1",
    });
    expect(check(INITIAL, "RANDOM", undefined).errors).toEqual({
      maxTrials: "RANDOM needs maxTrials: how many combinations to sample",
    });
    const big = check(
      { ...INITIAL, learningRates: "1,2,3,4,5,6,7,8,9", hiddenSizes: "1,2,3,4,5,6,7,8,9,10" },
      "GRID",
      undefined,
    );
    expect(big.errors.form).toMatch(/^the space has 270 combinations; at most 256 can run in full/);
  });

  it("takes a blank field the API has a default for as that default, as the API takes it left out", () => {
    const plan = check(
      {
        ...INITIAL,
        learningRates: "0.1",
        hiddenSizes: "8",
        regs: "1e-3",
        batchSize: "20",
        eta: " ",
        learningRateDecays: "",
        numIters: "",
      },
      "GRID",
      400,
    );
    expect(plan.errors).toEqual({});
    expect(plan.input).toMatchObject({
      eta: SWEEP_DEFAULTS.eta,
      numIters: SWEEP_DEFAULTS.numIters,
      space: { learningRateDecays: [...SWEEP_DEFAULTS.learningRateDecays] },
    });
    // A list the sweep needs is still needed.
    expect(check({ ...INITIAL, regs: "" }, "GRID", 400).errors.regs).toMatch(/^Regularization strengths needs/);
  });

  it("takes a range in a knob's field, plans maxTrials draws, and sends it as the knob's range", () => {
    const ranged = { ...INITIAL, learningRates: "1e-4..1e-1", regs: "1e-6..1e-2", maxTrials: "9", batchSize: "20" };
    const plan = check(ranged, "SUCCESSIVE_HALVING", 400);
    expect(plan.errors).toEqual({});
    expect(plan.trials).toBe(9);
    expect(plan.input?.space).toEqual({
      learningRateRange: { min: 1e-4, max: 0.1, scale: "LOG" },
      hiddenSizes: [64, 128],
      regRange: { min: 1e-6, max: 0.01, scale: "LOG" },
      learningRateDecays: [0.95],
    });
    expect(check(ranged, "GRID", 400).errors.learningRates).toMatch(/^GRID runs every combination of listed values/);
    expect(check({ ...ranged, regs: "0..1" }, "RANDOM", 400).errors.regs).toBe(
      "Regularization strengths min must be above 0 on a LOG scale (0 has no logarithm): use a small value such as 1e-6, or scale LINEAR; got 0",
    );
    // What the API says of a range is shown at the knob's field.
    expect(apiFieldOf("input.space.regRange.min")).toBe("regs");
    expect(apiFieldOf("input.space.learningRateRange")).toBe("learningRates");
  });
});

// Text that Number() reads as NaN went out as null, and the API silently used its default instead.
describe("the Experiments page's settings", () => {
  it("give the numbers to launch with, and seeds 1…n for more than one seed per run", () => {
    expect(checkStudySettings({ numIters: "3000", batchSize: " 1000 ", seedCount: "1" })).toEqual({
      settings: { numIters: 3000, batchSize: 1000, seeds: null },
    });
    expect(checkStudySettings({ numIters: "20", batchSize: "20", seedCount: "3" })).toEqual({
      settings: { numIters: 20, batchSize: 20, seeds: [1, 2, 3] },
    });
  });

  it("refuse what is not a number, or breaks the API's rule, naming each field by its label", () => {
    expect(checkStudySettings({ numIters: "3,000", batchSize: "", seedCount: "21" })).toEqual({
      errors: {
        numIters: 'Iterations must be a number; got "3,000"',
        batchSize: 'Batch size must be a number; got ""',
        seedCount: "Seeds per run must be an integer from 1 to 20; got 21",
      },
    });
  });
});

describe("the fork form", () => {
  it("sends the numbers typed, and null (the parent's) for a field left empty", () => {
    expect(checkFork({ learningRate: "", learningRateDecay: "0.9", reg: " 1e-3 ", numIters: "200" })).toEqual({
      changes: { learningRate: null, learningRateDecay: 0.9, reg: 0.001, numIters: 200 },
    });
  });

  it("refuses what is not a number, or breaks the API's rule, naming each field by its label", () => {
    expect(checkFork({ learningRate: "fast", learningRateDecay: "1.5", reg: "0", numIters: "3,000" })).toEqual({
      errors: {
        learningRate: 'Learning rate must be a number; got "fast"',
        learningRateDecay: "LR decay must be a number in (0, 1]; got 1.5",
        numIters: 'Iterations must be a number; got "3,000"',
      },
    });
  });
});

describe("the fork form's defaults", () => {
  // A run of 61 iterations, 20 to an epoch: epoch records after iterations 0, 20, 40 and 60, the last
  // at its very end; epoch 1 not kept.
  const epochs = [0, 1, 2, 3].map((epoch) => ({ epoch, iteration: epoch * 20 }));
  const points = forkPoints([0, 2, 3], epochs);

  it("know the iterations a fork inherits at each kept epoch: one more than its record's", () => {
    expect(points).toEqual([
      { epoch: 0, iterationsDone: 1 },
      { epoch: 2, iterationsDone: 41 },
      { epoch: 3, iterationsDone: 61 },
    ]);
    expect(forkPoints([5], epochs)).toEqual([{ epoch: 5, iterationsDone: null }]);
  });

  it("offer the latest epoch where the parent's length is past the fork's start, as forkRun requires", () => {
    // The parent's 61 iterations are no fork from epoch 3 (61 done there): epoch 2, with 61.
    const offered = defaultForkPoint(points, 61)!;
    expect(offered.epoch).toBe(2);
    expect(defaultNumIters(offered, 61)).toBe("61");
    // Still training to 200: the latest kept epoch.
    expect(defaultForkPoint(points, 200)?.epoch).toBe(3);
  });

  it("offer no length where the parent's does not fit, and the latest epoch when none fits", () => {
    expect(defaultNumIters(points[2]!, 61)).toBe("");
    const last = defaultForkPoint([{ epoch: 3, iterationsDone: 61 }], 61)!;
    expect(last.epoch).toBe(3);
    expect(defaultNumIters(last, 61)).toBe("");
    expect(defaultForkPoint([], 61)).toBeUndefined();
  });
});

describe("the API's refusals in a form", () => {
  const refusal = (extensions: Record<string, unknown>, message = "refused") =>
    ({ graphQLErrors: [{ message, extensions }], message }) as unknown as CombinedError;
  const runField = (apiField: string) => apiField.replace(/^input\./, "") as Field;

  it("name the field by its label, using the rule the API sends apart from its name for the field", () => {
    const errors = apiFieldErrors(
      refusal({
        code: "BAD_USER_INPUT",
        field: "input.batchSize",
        fields: [
          {
            field: "input.batchSize",
            message: "batchSize must be an integer from 1 to 400 (the training set size); got 401",
            rule: "must be an integer from 1 to 400 (the training set size); got 401",
          },
        ],
      }),
      runField,
      HYPERPARAMETER_LABELS,
    );
    expect(errors).toEqual({
      batchSize: "Batch size must be an integer from 1 to 400 (the training set size); got 401",
    });
  });

  it("keep a whole sentence as the API wrote it, and word graphql-js' type errors", () => {
    const memory = "this run needs about 3 GiB but a trainer allows 190.7 MiB per run: lower hiddenSize or batchSize";
    expect(
      apiFieldErrors(
        refusal({ code: "BAD_USER_INPUT", fields: [{ field: "input.hiddenSize", message: memory }] }),
        runField,
        HYPERPARAMETER_LABELS,
      ),
    ).toEqual({ hiddenSize: memory });
    const coercion =
      'Variable "$input" got invalid value 12.5 at "input.numIters"; Int cannot represent non-integer value: 12.5';
    expect(
      apiFieldErrors(
        refusal({ code: "BAD_USER_INPUT", field: "input.numIters" }, coercion),
        runField,
        HYPERPARAMETER_LABELS,
      ),
    ).toEqual({ numIters: "Iterations must be an integer; got 12.5" });
  });
});
