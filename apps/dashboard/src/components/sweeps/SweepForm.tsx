"use client";
// Start a sweep: the search space as lists or ranges, a strategy, the budget and the seed. The form checks every
// field with the API's own schema before sending, says how many trials and iterations the sweep will
// spend, and shows whatever the API still refuses next to the field it names.
import { graphql, type VariablesOf } from "@trainql/graphql";
import { useRouter } from "next/navigation";
import { type FormEvent, useMemo, useState } from "react";
import { useClient, useQuery } from "urql";
import { useRequestIds } from "@/lib/api/requestIds";
import { apiFieldErrors, type FieldErrors } from "@/lib/formErrors";
import { apiFieldOf, check, FIELDS, type Field, INITIAL, LABELS } from "@/lib/sweeps/sweepForm";
import { STRATEGY_LABELS, type Strategy } from "@/lib/sweeps/sweeps";
import { plural } from "@/lib/text/plural";
import { useHydrated } from "@/lib/useHydrated";
import { FormField, FormFooter, useFieldErrors } from "../FormField";

const START = graphql(`mutation StartSweep($input: StartSweepInput!) { startSweep(input: $input) { uuid } }`);
const TRAINING_SET = graphql(`query TrainingSet { dataset { numTrain } }`);

/** The fields the plan cannot be made without, by label (before a submit has marked them). */
const unfixed = (errors: FieldErrors<Field>) =>
  (Object.keys(errors) as (Field | "form")[]).map((f) => (f === "form" ? "the form" : LABELS[f])).join(", ");

export function SweepForm() {
  const client = useClient();
  const router = useRouter();
  const hydrated = useHydrated();
  const [values, setValues] = useState(INITIAL);
  const [strategy, setStrategy] = useState<Strategy>("SUCCESSIVE_HALVING");
  const [errors, setErrors, edited] = useFieldErrors<Field>();
  const [submitting, setSubmitting] = useState(false);
  const requestIdOf = useRequestIds();
  // The API plans with the live trainer's training set (40,000 images when none has started).
  const [{ data }] = useQuery({ query: TRAINING_SET });
  const numTrain = data?.dataset?.numTrain ?? undefined;
  const plan = useMemo(() => check(values, strategy, numTrain), [values, strategy, numTrain]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors(plan.errors);
    if (!plan.input) return;
    setSubmitting(true);
    // check() built the input field by field with the API's own rules; the API checks it again.
    const input = plan.input as VariablesOf<typeof START>["input"];
    const result = await client.mutation(START, { input: { ...input, requestId: requestIdOf(input) } }).toPromise();
    // Still submitting while the sweep's page loads: the button stays off, so no second sweep.
    if (result.data) return router.push(`/sweeps/${result.data.startSweep.uuid}`);
    setSubmitting(false);
    const found = apiFieldErrors(result.error, apiFieldOf, LABELS);
    setErrors(Object.keys(found).length ? found : { form: "startSweep failed" });
  }

  return (
    <form className="run-form card" onSubmit={submit} noValidate aria-label="New sweep">
      <p className="muted" style={{ gridColumn: "1 / -1", margin: 0 }} data-testid="space-help">
        Each searched knob takes values to try (<code>0.1, 0.5, 1</code>) or a range to draw from:{" "}
        <code>1e-4..1e-1</code> is log-uniform, as many trials per decade; add <code>linear</code> for uniform. A range
        needs Random or Successive halving, with Max trials draws.
      </p>
      <label>
        Strategy
        <select
          value={strategy}
          onChange={(e) => {
            setStrategy(e.target.value as Strategy);
            setErrors({}); // (what a strategy allows decides whether the other fields are right)
          }}
          name="strategy"
          disabled={!hydrated}
        >
          {(Object.keys(STRATEGY_LABELS) as Strategy[]).map((s) => (
            <option key={s} value={s}>
              {STRATEGY_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      {FIELDS.map((f) => (
        <FormField
          key={f}
          name={f}
          label={LABELS[f]}
          value={values[f]}
          error={errors[f]}
          onChange={(value) => {
            setValues((v) => ({ ...v, [f]: value }));
            edited(f);
          }}
        />
      ))}
      <p className="muted" data-testid="sweep-plan" style={{ gridColumn: "1 / -1", margin: 0 }}>
        {plan.trials !== undefined && plan.iterations !== undefined
          ? `Will train ${plural(plan.trials, "trial")}${(plan.seeds ?? 1) > 1 ? ` × ${plan.seeds} seeds, ranked by their mean` : ""}, ${plural(plan.iterations, "iteration")} in all.`
          : `Fix ${unfixed(plan.errors)} to see what this sweep will spend.`}
      </p>
      <FormFooter error={errors.form} submitting={submitting} label="Start sweep" />
    </form>
  );
}
