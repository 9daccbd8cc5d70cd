"use client";
// Start a sweep: the search space as lists, a strategy, the budget and the seed. The form checks every
// field with the API's rules before sending, says how many trials and iterations the sweep will spend,
// and shows whatever the API still refuses next to the field it names.
import { graphql, type VariablesOf } from "@trainql/graphql";
import { iterationsPerEpoch } from "@trainql/nn/hyperparameters";
import { halvingIterations, halvingSchedule } from "@trainql/nn/successiveHalving";
import { checkSweepSettings, MAX_VALUES } from "@trainql/nn/sweepRules";
import { useRouter } from "next/navigation";
import { type FormEvent, useMemo, useState } from "react";
import { useClient, useQuery } from "urql";
import { apiFieldErrors, type FieldErrors, hyperparameterProblem, parseNumber } from "@/lib/formErrors";
import { plural } from "@/lib/plural";
import { STRATEGY_LABELS, type Strategy } from "@/lib/sweeps";
import type { Hyperparameters } from "@/lib/types";
import { FormField, FormFooter } from "../FormField";

const FIELDS = {
  learningRates: { label: "Learning rates", initial: "0.1, 0.5, 1" },
  hiddenSizes: { label: "Hidden sizes", initial: "64, 128" },
  regs: { label: "Regularization strengths", initial: "1e-5, 1e-4, 1e-3" },
  learningRateDecays: { label: "LR decays", initial: "0.95" },
  numIters: { label: "Iterations per trial", initial: "1000" },
  batchSize: { label: "Batch size", initial: "1000" },
  maxTrials: { label: "Max trials (random / halving)", initial: "" },
  eta: { label: "eta (halving)", initial: "3" },
  seed: { label: "Seed", initial: "0" },
} as const;
type Field = keyof typeof FIELDS;
const LIST_OF: Partial<Record<Field, keyof Hyperparameters>> = {
  learningRates: "learningRate",
  hiddenSizes: "hiddenSize",
  regs: "reg",
  learningRateDecays: "learningRateDecay",
};
const SINGLE_OF: Partial<Record<Field, keyof Hyperparameters>> = {
  numIters: "numIters",
  batchSize: "batchSize",
  seed: "seed",
};
const LABELS = Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.label])) as Record<Field, string>;

const START = graphql(`mutation StartSweep($input: StartSweepInput!) { startSweep(input: $input) { uuid } }`);
const TRAINING_SET = graphql(`query TrainingSet { dataset { numTrain } }`);

type Checked = { errors: FieldErrors<Field>; input?: Record<string, unknown>; trials?: number; iterations?: number };

/** The form's values checked with the API's rules, every field at once; the input and plan when valid. */
function check(values: Record<Field, string>, strategy: Strategy, numTrain: number | undefined): Checked {
  const errors: FieldErrors<Field> = {};
  const lists: Record<string, number[]> = {};
  for (const [f, hp] of Object.entries(LIST_OF) as [Field, keyof Hyperparameters][]) {
    const parts = values[f]
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    const numbers = parts.map((p) => parseNumber(LABELS[f], p));
    const problem =
      parts.length === 0 || parts.length > MAX_VALUES
        ? `${LABELS[f]}: give 1 to ${MAX_VALUES} values, separated by commas`
        : (numbers.find((n) => typeof n === "string") ??
          numbers.map((n) => hyperparameterProblem(hp, n as number, `${LABELS[f]}: each`)).find(Boolean));
    if (problem) errors[f] = problem as string;
    else lists[f] = [...new Set(numbers as number[])];
  }
  const single: Partial<Record<Field, number>> = {};
  for (const [f, hp] of Object.entries(SINGLE_OF) as [Field, keyof Hyperparameters][]) {
    const n = parseNumber(LABELS[f], values[f]);
    const problem = typeof n === "string" ? n : hyperparameterProblem(hp, n, LABELS[f], numTrain);
    if (problem) errors[f] = problem;
    else single[f] = n as number;
  }
  const eta = parseNumber(LABELS.eta, values.eta);
  if (typeof eta === "string") errors.eta = eta;
  const maxTrials = values.maxTrials.trim() === "" ? null : parseNumber(LABELS.maxTrials, values.maxTrials);
  if (typeof maxTrials === "string") errors.maxTrials = maxTrials;
  const combinations = Object.values(lists).reduce((n, l) => n * l.length, 1);
  if (typeof eta === "number" && typeof maxTrials !== "string") {
    for (const p of checkSweepSettings({ strategy, eta, maxTrials, combinations })) {
      const key = p.field === "space" ? "form" : p.field;
      errors[key] ??= p.message.replace(/^eta\b/, LABELS.eta).replace(/^maxTrials\b/, "Max trials");
    }
  }
  if (Object.keys(errors).length > 0) return { errors };

  const numIters = single.numIters!;
  const trials = maxTrials === null ? combinations : Math.min(maxTrials as number, combinations);
  const iterations =
    strategy === "SUCCESSIVE_HALVING"
      ? halvingIterations(
          halvingSchedule(trials, numIters, eta as number, iterationsPerEpoch(numTrain ?? 40_000, single.batchSize!)),
        )
      : trials * numIters;
  const input = {
    space: lists,
    strategy,
    numIters,
    batchSize: single.batchSize,
    seed: single.seed,
    eta,
    ...(maxTrials === null ? {} : { maxTrials }),
  };
  return { errors, input, trials, iterations };
}

const fieldOf = (apiField: string): Field | null => {
  const name = apiField.replace(/^input\.(space\.)?/, "");
  return name in FIELDS ? (name as Field) : null;
};

export function SweepForm() {
  const client = useClient();
  const router = useRouter();
  const [values, setValues] = useState(
    () => Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.initial])) as Record<Field, string>,
  );
  const [strategy, setStrategy] = useState<Strategy>("SUCCESSIVE_HALVING");
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [submitting, setSubmitting] = useState(false);
  // The API plans with the live trainer's training set (40,000 images when none has started).
  const [{ data }] = useQuery({ query: TRAINING_SET });
  const numTrain = data?.dataset?.numTrain ?? undefined;
  const plan = useMemo(() => check(values, strategy, numTrain), [values, strategy, numTrain]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors(plan.errors);
    if (!plan.input) return;
    setSubmitting(true);
    const result = await client
      // check() built the input field by field with the API's own rules; the API checks it again.
      .mutation(START, { input: plan.input as VariablesOf<typeof START>["input"] })
      .toPromise();
    setSubmitting(false);
    if (result.data) return router.push(`/sweeps/${result.data.startSweep.uuid}`);
    const found = apiFieldErrors(result.error, fieldOf, LABELS);
    setErrors(Object.keys(found).length ? found : { form: "startSweep failed" });
  }

  return (
    <form className="run-form card" onSubmit={submit} noValidate aria-label="New sweep">
      <label>
        Strategy
        <select value={strategy} onChange={(e) => setStrategy(e.target.value as Strategy)} name="strategy">
          {(Object.keys(STRATEGY_LABELS) as Strategy[]).map((s) => (
            <option key={s} value={s}>
              {STRATEGY_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      {(Object.keys(FIELDS) as Field[]).map((f) => (
        <FormField
          key={f}
          name={f}
          label={FIELDS[f].label}
          value={values[f]}
          error={errors[f]}
          onChange={(value) => setValues((v) => ({ ...v, [f]: value }))}
        />
      ))}
      <p className="muted" data-testid="sweep-plan" style={{ gridColumn: "1 / -1", margin: 0 }}>
        {plan.trials !== undefined && plan.iterations !== undefined
          ? `Will train ${plural(plan.trials, "trial")}, ${plural(plan.iterations, "iteration")} in all.`
          : "Fix the fields above to see what this sweep will spend."}
      </p>
      <FormFooter error={errors.form} submitting={submitting} label="Start sweep" />
    </form>
  );
}
