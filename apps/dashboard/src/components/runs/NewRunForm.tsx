"use client";
// The new-run form: the API's defaults, checked in the browser by the API's own schema (every field at
// once, in the API's words with the field's label), and whatever the API still refuses next to the
// field it names.
import { HYPERPARAMETER_NAMES, hyperparametersTextSchema } from "@trainql/nn/hyperparameters";
import { MAX_SEEDS, seedsText } from "@trainql/nn/seeds";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useClient } from "urql";
import { useRequestIds } from "@/lib/api/requestIds";
import { formErrors, topLevelField } from "@/lib/formErrors";
import { RUN_FIELD_LABELS, type RunField, startRun } from "@/lib/runs/startRun";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";
import { FormField, FormFooter, useFieldErrors } from "../FormField";

type Field = keyof Hyperparameters;
// Seeds, when listed, replace the seed field: one run per seed, tied by a group.
const schema = hyperparametersTextSchema().extend({ seeds: seedsText });

export function NewRunForm({ defaults }: { defaults: Hyperparameters }) {
  const client = useClient();
  const router = useRouter();
  const [values, setValues] = useState<Record<Field, string>>(
    () => Object.fromEntries(HYPERPARAMETER_NAMES.map((f) => [f, String(defaults[f])])) as Record<Field, string>,
  );
  const [name, setName] = useState("");
  const [seeds, setSeeds] = useState("");
  const [errors, setErrors, edited] = useFieldErrors<RunField>();
  const [submitting, setSubmitting] = useState(false);
  const requestIdOf = useRequestIds();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = schema.safeParse({ ...values, seeds });
    if (!parsed.success) return setErrors(formErrors(parsed.error.issues, topLevelField<RunField>, RUN_FIELD_LABELS));
    setErrors({});
    setSubmitting(true);
    const input = { ...parsed.data, ...(name.trim() ? { name } : {}) };
    const result = await startRun(client, { ...input, requestId: requestIdOf(input) });
    // Still submitting while the run's page loads: the button stays off, so no second run.
    if ("uuid" in result) return router.push(result.groupUuid ? `/groups/${result.groupUuid}` : `/runs/${result.uuid}`);
    setSubmitting(false);
    setErrors(result.errors);
  }

  return (
    <form className="run-form card" onSubmit={submit} noValidate aria-label="New run">
      <FormField
        name="name"
        label="Name (optional)"
        value={name}
        error={errors.name}
        onChange={(value) => {
          setName(value);
          edited("name");
        }}
      />
      {HYPERPARAMETER_NAMES.map((f) => (
        <FormField
          inputMode="decimal"
          key={f}
          name={f}
          label={HYPERPARAMETER_LABELS[f]}
          value={values[f]}
          error={errors[f]}
          onChange={(value) => {
            setValues((v) => ({ ...v, [f]: value }));
            edited(f);
          }}
        />
      ))}
      <FormField
        key="seeds"
        name="seeds"
        label={`Seeds (optional: up to ${MAX_SEEDS}, comma-separated, one run each)`}
        value={seeds}
        error={errors.seeds}
        onChange={(value) => {
          setSeeds(value);
          edited("seeds");
        }}
      />
      <FormFooter error={errors.form} submitting={submitting} label={seeds.trim() ? "Start seed group" : "Start run"} />
    </form>
  );
}
