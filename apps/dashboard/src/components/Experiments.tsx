"use client";
// The reference assignment's three studies: one click launches a group of runs that vary one
// hyperparameter, then opens their comparison. With more than one seed per run, each setting becomes
// a seed group and the comparison draws each as its mean ± std, so a difference between settings can
// be told from the spread between seeds.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useClient } from "urql";
import type { FieldErrors } from "@/lib/formErrors";
import { startRun } from "@/lib/runs/startRun";
import { checkStudySettings, STUDY_FIELD_LABELS, type StudyField } from "@/lib/studySettings";
import { plural } from "@/lib/text/plural";
import type { Hyperparameters } from "@/lib/types";
import { useHydrated } from "@/lib/useHydrated";

type Input = Partial<Hyperparameters>;

/** Each run is named after its study and what it varies, so the Runs list says where it came from. */
export const STUDIES: { name: string; varies: string; runs: (Input & { name: string })[] }[] = [
  {
    name: "Capacity",
    varies: "hidden size 2, 8, 32, 128 (lr 0.1, reg 1e-3)",
    runs: [2, 8, 32, 128].map((hiddenSize) => ({
      name: `Capacity study: hidden ${hiddenSize}`,
      hiddenSize,
      learningRate: 0.1,
      reg: 1e-3,
    })),
  },
  {
    name: "Regularization",
    varies: "reg 0, 1e-5, 1e-3, 1e-1 (hidden 128, lr 1.0)",
    runs: [0, 1e-5, 1e-3, 1e-1].map((reg) => ({
      name: `Regularization study: reg ${reg}`,
      hiddenSize: 128,
      learningRate: 1.0,
      reg,
    })),
  },
  {
    name: "Learning rate",
    varies: "lr 1e-4, 1e-2, 1, 1e2 (hidden 128, reg 1e-4)",
    runs: [1e-4, 1e-2, 1, 1e2].map((learningRate) => ({
      name: `Learning rate study: lr ${learningRate}`,
      hiddenSize: 128,
      learningRate,
      reg: 1e-4,
    })),
  },
];

/** What a study launched before the API refused one of its runs (the queue full, a rate limit…). */
interface Halfway {
  study: string;
  /** Each started run (or seed group, with seeds) by name. */
  started: { uuid: string; name: string }[];
  groups: boolean;
}

/** The comparison a study opens: its runs, or its seed groups. */
const comparisonOf = (uuids: string[], groups: boolean, study: string) =>
  `/compare?${groups ? "groups" : "ids"}=${uuids.join(",")}&study=${encodeURIComponent(study)}`;

export function Experiments() {
  const client = useClient();
  const router = useRouter();
  // Read-only (and the buttons off) until hydrated, as a form's fields (FormField): typing before then
  // would be lost.
  const hydrated = useHydrated();
  const [values, setValues] = useState<Record<StudyField, string>>({
    numIters: "3000",
    batchSize: "1000",
    seedCount: "1",
  });
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<StudyField>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [halfway, setHalfway] = useState<Halfway | null>(null);

  async function launch(study: (typeof STUDIES)[number]) {
    setError(null);
    setHalfway(null);
    const checked = checkStudySettings(values);
    if ("errors" in checked) return setFieldErrors(checked.errors);
    setFieldErrors({});
    setBusy(study.name);
    const { seeds, ...settings } = checked.settings;
    const started: Halfway["started"] = [];
    for (const run of study.runs) {
      const result = await startRun(client, {
        ...run,
        ...settings,
        learningRateDecay: 0.95,
        ...(seeds ? { seeds } : {}),
      });
      if ("errors" in result) {
        setError(Object.values(result.errors).join("; "));
        // The runs started before go on training: without a way to them they were out of sight, and
        // launching the study again started them a second time.
        if (started.length > 0) setHalfway({ study: study.name, started, groups: Boolean(seeds) });
        setBusy(null);
        return;
      }
      started.push({ uuid: seeds ? (result.groupUuid ?? result.uuid) : result.uuid, name: run.name });
    }
    router.push(
      comparisonOf(
        started.map((s) => s.uuid),
        Boolean(seeds),
        study.name,
      ),
    );
  }

  const setting = (field: StudyField, size: number) => (
    <Setting
      label={STUDY_FIELD_LABELS[field]}
      value={values[field]}
      error={fieldErrors[field]}
      set={(value) => setValues((v) => ({ ...v, [field]: value }))}
      size={size}
      readOnly={!hydrated}
    />
  );

  return (
    <>
      <div className="toolbar card">
        {setting("numIters", 8)}
        {setting("batchSize", 6)}
        {setting("seedCount", 3)}
        <span className="muted">Learning-rate decay 0.95 for all.</span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {halfway && <HalfwayNotice {...halfway} />}
      {STUDIES.map((study) => (
        <div className="card" key={study.name}>
          <h2>{study.name}</h2>
          <p className="muted">Varies {study.varies}.</p>
          <button type="button" disabled={busy !== null || !hydrated} onClick={() => void launch(study)}>
            {busy === study.name
              ? "Launching…"
              : Number(values.seedCount) > 1
                ? `Launch ${study.runs.length} seed groups`
                : `Launch ${study.runs.length} runs`}
          </button>
        </div>
      ))}
    </>
  );
}

/** The runs of a study started before one was refused: each, and their comparison. */
function HalfwayNotice({ study, started, groups }: Halfway) {
  const noun = groups ? "seed group" : "run";
  return (
    <div className="card" data-testid="study-halfway">
      <p>
        The {study} study stopped there, after {plural(started.length, noun)}, which keep training. Launching it again
        starts {started.length === 1 ? "that one" : "those"} again too.
      </p>
      <ul>
        {started.map((s) => (
          <li key={s.uuid}>
            <Link href={groups ? `/groups/${s.uuid}` : `/runs/${s.uuid}`}>{s.name}</Link>
          </li>
        ))}
      </ul>
      <Link
        href={comparisonOf(
          started.map((s) => s.uuid),
          groups,
          study,
        )}
      >
        Compare the {plural(started.length, `${noun} launched`, `${noun}s launched`)}
      </Link>
    </div>
  );
}

/** One of the settings every study shares, with its error beside it. */
function Setting({
  label,
  value,
  error,
  set,
  size,
  readOnly,
}: {
  label: string;
  value: string;
  error: string | undefined;
  set: (value: string) => void;
  size: number;
  readOnly: boolean;
}) {
  return (
    <label>
      {label}{" "}
      <input
        value={value}
        onChange={(e) => set(e.target.value)}
        size={size}
        aria-label={label}
        aria-invalid={error ? true : undefined}
        readOnly={readOnly}
      />
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}
