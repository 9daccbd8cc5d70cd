"use client";
// Where a run comes from and what was forked from it, and the form that forks it: a new run from its
// parameters at one of its kept epochs, with a new learning rate, decay, regularization or length
// (forkRun). The fork's history up to that epoch is this run's, so its curves continue these.
import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { useMutation, useQuery } from "urql";
import { apiFieldErrors } from "@/lib/formErrors";
import {
  CHANGES,
  checkFork,
  defaultForkPoint,
  defaultNumIters,
  FORK_FIELDS,
  type ForkField,
  type ForkPoint,
  forkPoints,
} from "@/lib/runs/forkForm";
import { plural } from "@/lib/text/plural";
import { useHydrated } from "@/lib/useHydrated";
import { FormFooter, useFieldErrors } from "../FormField";

const LINEAGE = graphql(`
  query RunLineage($id: ID!) {
    run(id: $id) {
      id checkpointEpochs forkedAtEpoch
      epochs { epoch iteration } # where each kept epoch is: a fork's length must be past it
      forkedFrom { id uuid name }
      forks { id uuid name status forkedAtEpoch }
    }
  }
`);

const FORK = graphql(`mutation ForkRunFromPage($input: ForkRunInput!) { forkRun(input: $input) { id uuid } }`);

const fieldOf = (apiField: string) => {
  const name = apiField.replace(/^input\./, "");
  return name in FORK_FIELDS ? (name as ForkField) : null;
};

const short = (run: { uuid: string; name: string | null }) => run.name ?? run.uuid.slice(0, 8);

export function RunLineage({
  runId,
  latestEpoch,
  parent,
}: {
  runId: string;
  /** The newest epoch seen live: the kept epochs are asked again when it changes. */
  latestEpoch: number | null;
  parent: { learningRateDecay: number; reg: number; numIters: number };
}) {
  const [{ data }, refetch] = useQuery({ query: LINEAGE, variables: { id: runId }, requestPolicy: "network-only" });
  useEffect(() => {
    if (latestEpoch !== null) refetch({ requestPolicy: "network-only" });
  }, [latestEpoch, refetch]);
  const run = data?.run;
  return (
    <div className="card" data-testid="lineage">
      <h2>Lineage</h2>
      {run?.forkedFrom ? (
        <p data-testid="forked-from">
          Forked from{" "}
          <Link href={`/runs/${run.forkedFrom.uuid}`} className="run-name">
            {short(run.forkedFrom)}
          </Link>{" "}
          at epoch {run.forkedAtEpoch}: its epochs up to {run.forkedAtEpoch} are the parent's.
        </p>
      ) : run && run.forkedAtEpoch !== null ? (
        <p>Forked at epoch {run.forkedAtEpoch} from a run since deleted.</p>
      ) : (
        <p className="muted">Trained from scratch.</p>
      )}
      {run && run.forks.length > 0 && (
        <>
          <h3>Forks</h3>
          <ul data-testid="forks">
            {run.forks.map((fork) => (
              <li key={fork.id}>
                <Link href={`/runs/${fork.uuid}`} className="run-name">
                  {short(fork)}
                </Link>{" "}
                at epoch {fork.forkedAtEpoch} — {fork.status.toLowerCase()}
              </li>
            ))}
          </ul>
        </>
      )}
      {run && <ForkForm runId={runId} points={forkPoints(run.checkpointEpochs, run.epochs)} parent={parent} />}
    </div>
  );
}

function ForkForm({
  runId,
  points,
  parent,
}: {
  runId: string;
  points: ForkPoint[];
  parent: { learningRateDecay: number; reg: number; numIters: number };
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [, fork] = useMutation(FORK);
  // What was typed or chosen; the rest shows its default, which follows the kept epochs (and, for the
  // length, the chosen epoch) as they change.
  const [typed, setTyped] = useState<Partial<Record<ForkField, string>>>({});
  // (A field's refusal goes when it is edited.)
  const [errors, setErrors, edited] = useFieldErrors<ForkField>();
  const [submitting, setSubmitting] = useState(false);
  const offered = defaultForkPoint(points, parent.numIters);
  if (!offered) return <p className="muted">No epoch checkpoints kept yet: a fork can start after the first epoch.</p>;
  const point = points.find((p) => String(p.epoch) === typed.epoch) ?? offered;
  const values: Record<ForkField, string> = {
    learningRate: "",
    learningRateDecay: String(parent.learningRateDecay),
    reg: String(parent.reg),
    numIters: defaultNumIters(point, parent.numIters),
    ...typed,
    epoch: String(point.epoch), // (one still kept: the one chosen may have been thinned out since)
  };
  const epoch = values.epoch;
  const set = (field: ForkField) => (value: string) => {
    edited(field);
    setTyped((v) => ({ ...v, [field]: value }));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = checkFork(values);
    if ("errors" in checked) return setErrors(checked.errors);
    setErrors({});
    setSubmitting(true);
    const result = await fork({ input: { runId, epoch: Number(epoch), ...checked.changes } });
    // Still submitting while the fork's page loads: the button stays off, so no second fork.
    if (result.data?.forkRun) return router.push(`/runs/${result.data.forkRun.uuid}`);
    setSubmitting(false);
    const found = apiFieldErrors(result.error, fieldOf, FORK_FIELDS);
    setErrors(Object.keys(found).length > 0 ? found : { form: "forkRun failed" });
  }

  return (
    <form className="fork-form" onSubmit={submit} noValidate aria-label="Fork this run">
      <label>
        From epoch
        <select name="epoch" value={epoch} onChange={(e) => set("epoch")(e.target.value)} disabled={!hydrated}>
          {points.map((p) => (
            <option key={p.epoch} value={p.epoch}>
              {p.epoch}
            </option>
          ))}
        </select>
        {point.iterationsDone !== null && (
          <span className="muted" data-testid="fork-iteration">
            {" "}
            ({plural(point.iterationsDone, "iteration")} done)
          </span>
        )}
        {errors.epoch && (
          <span className="field-error" role="alert">
            {errors.epoch}
          </span>
        )}
      </label>
      {CHANGES.map((field) => (
        <label key={field}>
          {FORK_FIELDS[field]}
          <input
            name={field}
            inputMode="decimal"
            value={values[field]}
            readOnly={!hydrated}
            placeholder={
              field === "learningRate"
                ? "the parent's, decayed"
                : field === "numIters" && point.iterationsDone !== null
                  ? `more than ${point.iterationsDone}`
                  : undefined
            }
            aria-invalid={errors[field] ? true : undefined}
            onChange={(e) => set(field)(e.target.value)}
          />
          {errors[field] && (
            <span className="field-error" role="alert">
              {errors[field]}
            </span>
          )}
        </label>
      ))}
      <FormFooter error={errors.form} submitting={submitting} label="Fork" />
    </form>
  );
}
