"use client";
// The new-run form: the API's defaults, and its validation messages next to the fields they name.
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useClient } from "urql";
import { type FieldErrors, startRun } from "@/lib/startRun";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";
import { FormField, FormFooter } from "../FormField";

const FIELDS = Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[];

export function NewRunForm({ defaults }: { defaults: Hyperparameters }) {
  const client = useClient();
  const router = useRouter();
  const [values, setValues] = useState<Record<keyof Hyperparameters, string>>(
    () => Object.fromEntries(FIELDS.map((f) => [f, String(defaults[f])])) as Record<keyof Hyperparameters, string>,
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input: Partial<Record<keyof Hyperparameters, number>> = {};
    const local: FieldErrors = {};
    for (const f of FIELDS) {
      const n = Number(values[f]);
      if (values[f].trim() === "" || Number.isNaN(n)) local[f] = `${f} must be a number`;
      else input[f] = n;
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
