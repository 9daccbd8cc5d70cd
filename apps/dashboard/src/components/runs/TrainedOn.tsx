// A run's backend facts: one backend, or each with its iterations when the run switched (resumed by
// a trainer of another kind); and the attempts that were interrupted, with their reasons.
import type { TrainedOn as TrainedOnData } from "@/lib/runs/trainedOn";
import { count } from "@/lib/text/count";

const countOrUnknown = (n: number | null) => (n === null ? "?" : count(n));

export function TrainedOn({ run }: { run: TrainedOnData }) {
  const spans = run.backendSpans;
  return (
    <>
      <dt>Backend</dt>
      <dd data-testid="run-backend">
        {spans.length > 1 ? (
          <>
            <ol>
              {spans.map((span) => (
                <li key={span.fromIteration}>
                  from iteration {count(span.fromIteration)}: {span.backend} — {span.device}
                </li>
              ))}
            </ol>
            <span className="muted">
              Resumed on another backend: its float32 sums differ in their last bits, so the run is not bit-identical to
              one trained on a single backend.
            </span>
          </>
        ) : run.backend ? (
          `${run.backend} — ${run.device}`
        ) : (
          "not started"
        )}
      </dd>
      <dt>Data set</dt>
      <dd data-testid="run-data">
        {run.data ? (
          <>
            {countOrUnknown(run.data.numTrain)} training, {countOrUnknown(run.data.numVal)} validation images{" "}
            <span
              className="muted"
              title="Only a trainer with this data set resumes, evaluates, forks or reproduces the run"
            >
              (fingerprint <code>{run.data.fingerprint}</code>)
            </span>
          </>
        ) : (
          "not recorded: a run takes its first trainer's"
        )}
      </dd>
      {run.interruptions.length > 0 && (
        <>
          <dt>Interruptions</dt>
          <dd data-testid="interruptions">
            <ol>
              {run.interruptions.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ol>
            <span className="muted">
              After each, the run went back to the queue, to resume from its last checkpoint.
            </span>
          </dd>
        </>
      )}
    </>
  );
}
