"use client";
// Start a sweep: the search space as lists, a strategy, the budget; the API's validation messages
// appear next to the fields they name.
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useClient } from "urql";
import { STRATEGY_LABELS, type Strategy } from "@/lib/sweeps";
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
} as const;
type Field = keyof typeof FIELDS;
const LISTS: Field[] = ["learningRates", "hiddenSizes", "regs", "learningRateDecays"];

const START = `mutation ($input: StartSweepInput!) { startSweep(input: $input) { uuid } }`;

export function SweepForm() {
  const client = useClient();
  const router = useRouter();
  const [values, setValues] = useState(
    () => Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.initial])) as Record<Field, string>,
  );
  const [strategy, setStrategy] = useState<Strategy>("SUCCESSIVE_HALVING");
  const [errors, setErrors] = useState<Partial<Record<Field | "form", string>>>({});
  const [submitting, setSubmitting] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const list = (f: Field) =>
      values[f]
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean)
        .map(Number);
    const local: typeof errors = {};
    for (const f of LISTS) if (list(f).some(Number.isNaN)) local[f] = "a comma-separated list of numbers";
    for (const f of ["numIters", "batchSize", "eta", "maxTrials"] as Field[])
      if (values[f] !== "" && Number.isNaN(Number(values[f]))) local[f] = "a number";
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setSubmitting(true);
    const input = {
      space: {
        learningRates: list("learningRates"),
        hiddenSizes: list("hiddenSizes"),
        regs: list("regs"),
        learningRateDecays: list("learningRateDecays"),
      },
      strategy,
      numIters: Number(values.numIters),
      batchSize: Number(values.batchSize),
      eta: Number(values.eta),
      ...(values.maxTrials ? { maxTrials: Number(values.maxTrials) } : {}),
    };
    const result = await client.mutation<{ startSweep: { uuid: string } }>(START, { input }).toPromise();
    setSubmitting(false);
    if (result.data) return router.push(`/sweeps/${result.data.startSweep.uuid}`);
    const found: typeof errors = {};
    for (const e of result.error?.graphQLErrors ?? []) {
      const field = String(e.extensions.field ?? "form").replace(/^input\.(space\.)?/, "") as Field;
      found[field in FIELDS ? field : "form"] = e.message;
    }
    if (result.error?.networkError) found.form = `The API is not reachable: ${result.error.networkError.message}`;
    setErrors(Object.keys(found).length ? found : { form: result.error?.message ?? "startSweep failed" });
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
      <FormFooter error={errors.form} submitting={submitting} label="Start sweep" />
    </form>
  );
}
