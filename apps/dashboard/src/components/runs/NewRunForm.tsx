"use client";
// The new-run form: the API's defaults, checked in the browser by the API's own rules (all fields at
// once), and whatever the API still refuses next to the field it names.
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useClient } from "urql";
import { hyperparameterProblem, parseNumber } from "@/lib/formErrors";
import { type RunFieldErrors, startRun } from "@/lib/startRun";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";
import { FormField, FormFooter } from "../FormField";

const FIELDS = Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[];

export function NewRunForm({ defaults }: { defaults: Hyperparameters }) {
  const client = useClient();
  const router = useRouter();
  const [values, setValues] = useState<Record<keyof Hyperparameters, string>>(
    () => Object.fromEntries(FIELDS.map((f) => [f, String(defaults[f])])) as Record<keyof Hyperparameters, string>,
  );
  const [errors, setErrors] = useState<RunFieldErrors>({});
  const [submitting, setSubmitting] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input: Partial<Record<keyof Hyperparameters, number>> = {};
    const local: RunFieldErrors = {};
    for (const f of FIELDS) {
      const value = parseNumber(HYPERPARAMETER_LABELS[f], values[f]);
      const problem = typeof value === "string" ? value : hyperparameterProblem(f, value, HYPERPARAMETER_LABELS[f]);
      if (problem) local[f] = problem;
      else input[f] = value as number;
    }
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setSubmitting(true);
    const result = await startRun(client, input);
    setSubmitting(false);
    if ("uuid" in result) router.push(`/runs/${result.uuid}`);
    else setErrors(result.errors);
  }

  return (
    <form className="run-form card" onSubmit={submit} noValidate aria-label="New run">
      {FIELDS.map((f) => (
        <FormField
          inputMode="decimal"
          key={f}
          name={f}
          label={HYPERPARAMETER_LABELS[f]}
          value={values[f]}
          error={errors[f]}
          onChange={(value) => setValues((v) => ({ ...v, [f]: value }))}
        />
      ))}
      <FormFooter error={errors.form} submitting={submitting} label="Start run" />
    </form>
  );
}
