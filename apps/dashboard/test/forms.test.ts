// The forms' messages: @trainql/nn's rules, every field at once, each named by its label — the same
// words the API and the CLIs use for the same bad value, with the form's name for the field.
import { HYPERPARAMETER_NAMES, HYPERPARAMETERS, hyperparametersTextSchema } from "@trainql/nn/hyperparameters";
import type { CombinedError } from "@urql/core";
import { describe, expect, it } from "vitest";
import { apiFieldErrors, formErrors } from "@/lib/formErrors";
import { check, INITIAL } from "@/lib/sweepForm";
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
